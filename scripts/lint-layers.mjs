#!/usr/bin/env node
// Enforces the layering of docs/architecture.md ("Layers and dependency direction",
// "Seams") over the workspace: which @ringkv packages each package may import, no
// reaching into another package's files, no import cycles, and no real time,
// randomness or file system in the pure and seam-injected layers. Rules live in
// layers.json.
//
// Usage: node scripts/lint-layers.mjs [repoRoot]   (exit 1 and one line per finding)
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const SOURCE_EXT = /\.(ts|tsx|mts|cts|js|mjs|cjs)$/;
const GROUPS = ['packages', 'apps', 'tests'];
const FORBIDDEN_CALLS = [
  [/\bDate\.now\s*\(/, 'Date.now (take a Clock)'],
  [/\bnew\s+Date\s*\(\s*\)/, 'new Date() (take a Clock)'],
  [/\bMath\.random\s*\(/, 'Math.random (take a Random)'],
  [/\bsetTimeout\s*\(/, 'setTimeout (take a Clock)'],
  [/\bsetInterval\s*\(/, 'setInterval (take a Clock)'],
  [/\bsetImmediate\s*\(/, 'setImmediate (take a Clock)'],
  [/\bperformance\.now\s*\(/, 'performance.now (take a Clock)'],
];
const FORBIDDEN_MODULES = new Set(['fs', 'node:fs', 'fs/promises', 'node:fs/promises']);

/** Removes comments, keeping string and template contents (they may hold "//"). */
export function stripComments(code) {
  let out = '';
  let i = 0;
  const n = code.length;
  while (i < n) {
    const c = code[i];
    const next = code[i + 1];
    if (c === '/' && next === '/') {
      while (i < n && code[i] !== '\n') i++;
    } else if (c === '/' && next === '*') {
      i += 2;
      while (i < n && !(code[i] === '*' && code[i + 1] === '/')) {
        if (code[i] === '\n') out += '\n';
        i++;
      }
      i += 2;
    } else if (c === '"' || c === "'" || c === '`') {
      const start = i++;
      while (i < n && code[i] !== c) {
        if (code[i] === '\\') i++;
        i++;
      }
      i++;
      out += code.slice(start, i);
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/** Every module specifier a file imports at run time; `import type` and `export type` are skipped. */
export function importsOf(code) {
  const clean = stripComments(code);
  const specs = [];
  const fromRe = /(^|[;\n}])\s*(import|export)\s+(type\s+)?([^;'"]*?)\s*from\s*['"]([^'"]+)['"]/g;
  for (const m of clean.matchAll(fromRe)) if (!m[3]) specs.push(m[5]);
  for (const m of clean.matchAll(/(^|[;\n])\s*import\s*['"]([^'"]+)['"]/g)) specs.push(m[2]);
  for (const m of clean.matchAll(/\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g)) specs.push(m[1]);
  for (const m of clean.matchAll(/\brequire\s*\(\s*['"]([^'"]+)['"]\s*\)/g)) specs.push(m[1]);
  return specs;
}

function walk(dir, files = []) {
  if (!existsSync(dir)) return files;
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path, files);
    else if (SOURCE_EXT.test(name) && !name.endsWith('.d.ts')) files.push(path);
  }
  return files;
}

function isTestFile(relPath) {
  return /(^|\/)(test|bench)\//.test(relPath) || /\.(test|test-d|bench)\.[cm]?[jt]sx?$/.test(relPath) ||
    /^vitest\.config\./.test(relPath);
}

/** Resolves a relative specifier to a file of the package, or undefined. */
function resolveRelative(fromFile, spec) {
  const base = resolve(dirname(fromFile), spec);
  const candidates = [base, base.replace(/\.js$/, '.ts'), base.replace(/\.mjs$/, '.mts'), `${base}.ts`, join(base, 'index.ts')];
  return candidates.find((c) => existsSync(c) && statSync(c).isFile());
}

/** A cycle in a directed graph given as Map<node, Set<node>>, as a list of nodes, or undefined. */
export function findCycle(graph) {
  const state = new Map();
  const stack = [];
  const visit = (node) => {
    state.set(node, 1);
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === 1) return [...stack.slice(stack.indexOf(next)), next];
      if (!state.has(next)) {
        const found = visit(next);
        if (found) return found;
      }
    }
    stack.pop();
    state.set(node, 2);
    return undefined;
  };
  for (const node of graph.keys()) {
    if (!state.has(node)) {
      const found = visit(node);
      if (found) return found;
    }
  }
  return undefined;
}

/** Lints the workspace at `root`; returns a list of findings (empty when clean). */
export function lintWorkspace(root, rules) {
  const findings = [];
  const packages = [];
  for (const group of GROUPS) {
    const dir = join(root, group);
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir)) {
      const pkgJson = join(dir, name, 'package.json');
      if (existsSync(pkgJson)) packages.push({ name, dir: join(dir, name), json: JSON.parse(readFileSync(pkgJson, 'utf8')) });
    }
  }
  const pkgGraph = new Map(Object.entries(rules.packages).map(([n, r]) => [n, new Set(r.deps)]));
  const pkgCycle = findCycle(pkgGraph);
  if (pkgCycle) findings.push(`layers.json: package cycle ${pkgCycle.join(' -> ')}`);

  for (const pkg of packages) {
    const rule = rules.packages[pkg.name];
    if (!rule) {
      findings.push(`${pkg.name}: not listed in scripts/layers.json`);
      continue;
    }
    const declared = { ...(pkg.json.dependencies ?? {}), ...(pkg.json.peerDependencies ?? {}) };
    const declaredDev = { ...declared, ...(pkg.json.devDependencies ?? {}) };
    const fileGraph = new Map();
    for (const file of walk(pkg.dir)) {
      const rel = relative(pkg.dir, file).split(sep).join('/');
      const test = isTestFile(rel);
      const code = readFileSync(file, 'utf8');
      const where = `${relative(root, file).split(sep).join('/')}`;
      const edges = new Set();
      for (const spec of importsOf(code)) {
        if (spec.startsWith('.')) {
          const target = resolveRelative(file, spec);
          const owner = target && packages.find((other) => target.startsWith(other.dir + sep));
          if (owner && owner !== pkg) {
            findings.push(`${where}: imports '${spec}', a file of another package; import its public name instead`);
          } else if (owner === pkg) edges.add(target);
        } else if (spec.startsWith('@ringkv/')) {
          const [, depName, ...deep] = spec.split('/');
          if (deep.length > 0) findings.push(`${where}: imports '${spec}', another package's internals; use '@ringkv/${depName}'`);
          const allowed = test ? [...rule.deps, ...(rule.testDeps ?? []), 'sim', pkg.name] : rule.deps;
          if (!allowed.includes(depName)) {
            findings.push(`${where}: imports '@ringkv/${depName}', not allowed for ${pkg.name}${test ? ' tests' : ''} by layers.json`);
          } else if (depName !== pkg.name && !(`@ringkv/${depName}` in (test ? declaredDev : declared))) {
            findings.push(`${where}: imports '@ringkv/${depName}' but ${pkg.name}/package.json does not declare it`);
          }
        } else if (!test && (rule.layer <= 1 || rule.deterministic) && FORBIDDEN_MODULES.has(spec) && !(rule.seams ?? []).includes(rel)) {
          findings.push(`${where}: imports '${spec}'; layer ${rule.layer} code reaches the disk only through its Vfs`);
        }
      }
      if (!test && (rule.layer <= 1 || rule.deterministic) && !(rule.seams ?? []).includes(rel)) {
        const clean = stripComments(code);
        for (const [re, what] of FORBIDDEN_CALLS) {
          if (re.test(clean)) findings.push(`${where}: uses ${what}`);
        }
      }
      if (!test) fileGraph.set(file, edges);
    }
    const cycle = findCycle(new Map([...fileGraph].map(([f, e]) => [f, new Set([...e].filter((t) => fileGraph.has(t)))])));
    if (cycle) findings.push(`${pkg.name}: import cycle ${cycle.map((f) => relative(pkg.dir, f)).join(' -> ')}`);
  }
  return findings;
}

const isMain = process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const root = resolve(process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), '..'));
  const rules = JSON.parse(readFileSync(join(root, 'scripts', 'layers.json'), 'utf8'));
  const findings = lintWorkspace(root, rules);
  for (const f of findings) console.error(`lint: ${f}`);
  if (findings.length > 0) {
    console.error(`lint: ${findings.length} finding(s)`);
    process.exit(1);
  }
  console.log('lint: layering clean');
}
