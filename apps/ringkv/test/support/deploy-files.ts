/**
 * Reading the files under deploy/ for the tests that check them against the
 * node (deploy.test.ts, grafana-dashboard.test.ts): the Dockerfile's
 * instructions, YAML documents, Kubernetes `$(VAR)` and compose `${VAR}`
 * substitution, and the metric names a PromQL expression uses.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

/** The repository's deploy/ directory. */
export const deployDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..', 'deploy');

/** One Dockerfile instruction: its keyword (upper case) and the rest, continuation lines joined. */
export interface DockerInstruction {
  readonly keyword: string;
  readonly args: string;
}

/** The instructions of a Dockerfile, comments and blank lines left out. */
export function dockerInstructions(text: string): DockerInstruction[] {
  const out: DockerInstruction[] = [];
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (pending === '' && (line === '' || line.startsWith('#'))) continue;
    if (line.startsWith('#')) continue;
    pending += `${line.replace(/\\$/, '').trim()} `;
    if (line.endsWith('\\')) continue;
    const m = /^(\S+)\s+(.*)$/.exec(pending.trim());
    if (m !== null) out.push({ keyword: (m[1] as string).toUpperCase(), args: (m[2] as string).trim() });
    pending = '';
  }
  return out;
}

/** `ENV a=b c=d` (or `ENV a b`) as pairs. */
export function envPairs(args: string): [string, string][] {
  if (!args.includes('=')) {
    const [k, ...v] = args.split(/\s+/);
    return [[k as string, v.join(' ')]];
  }
  return [...args.matchAll(/(\w+)=("[^"]*"|\S+)/g)].map((m) => [m[1] as string, (m[2] as string).replace(/^"|"$/g, '')]);
}

/** Every YAML document of a file, as plain values. */
export function yamlDocuments(path: string): Record<string, any>[] {
  return parseAllDocuments(readFileSync(path, 'utf8')).map((d) => {
    if (d.errors.length > 0) throw new Error(`${path}: ${d.errors.map((e) => e.message).join('; ')}`);
    return d.toJS() as Record<string, any>;
  });
}

/** Kubernetes env expansion: `$(NAME)` of a variable defined earlier in the list, from `values`. */
export function expandKubernetes(value: string, values: Readonly<Record<string, string>>): string {
  return value.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (whole, name: string) => values[name] ?? whole);
}

/** Compose interpolation: `${NAME}`, `${NAME:?message}`, `${NAME:-default}` from `values`. */
export function expandCompose(value: string, values: Readonly<Record<string, string>>): string {
  return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::[?-][^}]*)?\}/g, (whole, name: string) => values[name] ?? whole);
}

/** PromQL words that are not metric names. */
const promqlWords = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'and', 'or', 'unless', 'offset', 'inf', 'nan']);

/**
 * The metric names a PromQL expression selects: identifiers left once
 * strings, label matchers, ranges, grouping clauses and function calls are
 * taken out.
 */
export function metricNamesOf(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const names = new Set<string>();
  for (const m of bare.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*(\s*\()?/g)) {
    const word = m[0].replace(/\s*\($/, '');
    if (m[1] !== undefined || promqlWords.has(word.toLowerCase())) continue;
    names.add(word);
  }
  return [...names];
}

/** The series names a /metrics text exposes: each `# TYPE` family, with `_bucket`/`_sum`/`_count` for histograms and summaries. */
export function exportedSeries(metricsText: string): Set<string> {
  const out = new Set<string>();
  for (const m of metricsText.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    const [name, type] = [m[1] as string, m[2] as string];
    out.add(name);
    if (type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) out.add(name + suffix);
    if (type === 'summary') for (const suffix of ['_sum', '_count']) out.add(name + suffix);
  }
  return out;
}
