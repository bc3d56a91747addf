/**
 * Readable log lines for a terminal: a pino destination that turns each JSON
 * line of the node's logger (log.ts) into one line a person reads,
 *
 *   16:04:05.123  INFO   node1  node started  url=ws://127.0.0.1:7000 durability=interval
 *
 * time (local clock of the ISO timestamp), level, node id, message, then the
 * other fields as `key=value` (strings bare unless they hold spaces or
 * quotes, objects as JSON). An error field prints its message inline and its
 * stack on the following lines, indented.
 *
 * Invariants:
 *   1. One JSON line in, one line out (plus indented stack lines): never a
 *      line dropped. A line that is not JSON passes through unchanged.
 *   2. Colour (the level only) is used when asked for; `colorFor` applies
 *      the NO_COLOR / FORCE_COLOR conventions and the terminal test.
 *   3. Synchronous: each line is written to `out` before `write` returns, so
 *      the order of lines is the logger's.
 */
import type { DestinationStream } from 'pino';

const levelNames: Readonly<Record<number, string>> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
const levelColors: Readonly<Record<number, string>> = { 10: '90', 20: '36', 30: '32', 40: '33', 50: '31', 60: '35' };
/** Fields shown in the line's head, not as `key=value`. */
const headFields = new Set(['time', 'level', 'node', 'msg', 'pid', 'hostname']);

/** Where pretty lines go: a stream's `write` (process.stderr), and whether it is a terminal. */
export interface PrettyOutput {
  write(text: string): unknown;
  readonly isTTY?: boolean;
}

/**
 * Whether to colour lines written to `out` (invariant 2): never with
 * `NO_COLOR` set, always with `FORCE_COLOR` set to anything but `0`, else
 * when `out` is a terminal.
 */
export function colorFor(out: PrettyOutput, env: Readonly<Record<string, string | undefined>>): boolean {
  if ((env.NO_COLOR ?? '') !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return true;
  return out.isTTY === true;
}

/**
 * A pino destination writing readable lines to `out`.
 *
 * When to use: pass it as the node's `logDestination` when a person reads
 * the logs (`ringkv start --log-format pretty`); keep JSON for collectors.
 */
export function prettyLogDestination(out: PrettyOutput, options: { readonly color: boolean }): DestinationStream {
  return {
    write(chunk: string): void {
      for (const line of chunk.split('\n')) if (line !== '') out.write(`${formatLogLine(line, options.color)}\n`);
    },
  };
}

/** One JSON log line as readable text (invariant 1: a line that is not a JSON object comes back as it is). */
export function formatLogLine(line: string, color: boolean): string {
  let record: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(line);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return line;
    record = parsed as Record<string, unknown>;
  } catch {
    return line;
  }
  const level = typeof record['level'] === 'number' ? record['level'] : 30;
  const name = (levelNames[level] ?? `L${level}`).padEnd(5);
  const head = [clockOf(record['time']), color ? `\u001b[${levelColors[level] ?? '0'}m${name}\u001b[0m` : name];
  if (record['node'] !== undefined) head.push(String(record['node']));
  if (record['msg'] !== undefined) head.push(String(record['msg']));
  const fields: string[] = [];
  let stack = '';
  for (const [key, value] of Object.entries(record)) {
    if (headFields.has(key)) continue;
    if ((key === 'err' || key === 'error') && typeof value === 'object' && value !== null) {
      const e = value as { message?: unknown; stack?: unknown; code?: unknown };
      fields.push(`${key}=${quoted(String(e.message ?? JSON.stringify(value)))}${e.code === undefined ? '' : ` code=${String(e.code)}`}`);
      if (typeof e.stack === 'string') stack = e.stack.split('\n').slice(1).map((l) => `    ${l.trim()}`).join('\n');
      continue;
    }
    fields.push(`${key}=${typeof value === 'string' ? quoted(value) : JSON.stringify(value)}`);
  }
  const text = `${head.join('  ')}${fields.length === 0 ? '' : `  ${fields.join(' ')}`}`;
  return stack === '' ? text : `${text}\n${stack}`;
}

/** `HH:MM:SS.mmm` of an ISO or epoch-ms timestamp, in local time; the raw value when it does not parse. */
function clockOf(time: unknown): string {
  const date = typeof time === 'string' || typeof time === 'number' ? new Date(time) : undefined;
  if (date === undefined || Number.isNaN(date.getTime())) return String(time ?? '');
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}.${String(date.getMilliseconds()).padStart(3, '0')}`;
}

function quoted(value: string): string {
  return /[\s"=]/.test(value) || value === '' ? JSON.stringify(value) : value;
}
