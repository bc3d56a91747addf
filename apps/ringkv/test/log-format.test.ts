/**
 * `ringkv start --log-format`: `pretty` writes readable lines (time, level,
 * node, message, key=value), `json` one JSON object per line; with neither,
 * a stderr that is not a terminal (a pipe, as here) gets JSON. Real processes.
 */
import { describe, expect, it } from 'vitest';
import { processRun, stopAll } from './support/processes.js';
import { defaultLogFormat } from '../src/commands/start.js';

const run = processRun('ringkv-logs-');

/** Waits until the node's output holds a log line with `text` (stderr may arrive after the exit event); returns that line. */
async function logLine(output: () => string, text: string): Promise<string> {
  for (let i = 0; i < 200; i++) {
    const line = output().split('\n').find((l) => l.includes(text));
    if (line !== undefined) return line;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no "${text}" line in: ${output()}`);
}

describe('ringkv start --log-format', () => {
  it('pretty prints readable lines, not JSON', async () => {
    const node = await run.start('pretty1', ['--log-level', 'info', '--log-format', 'pretty']);
    const line = await logLine(node.output, 'node started');
    expect(line).toMatch(/^\d\d:\d\d:\d\d\.\d{3} {2}INFO {3}pretty1 {2}node started {2}url=ws:\/\/127\.0\.0\.1:\d+ /);
    expect(line).not.toContain('{"level"');
    // SIGTERM right after the ready line: the handlers are in before it is printed, so the stop is graceful.
    await stopAll([node]);
    expect(await logLine(node.output, 'node stopped')).toMatch(/INFO {3}pretty1 {2}node stopped$/);
  });

  it('json, and the default on a pipe, write one JSON object per line', async () => {
    for (const extra of [['--log-format', 'json'], []]) {
      const node = await run.start(`json${extra.length}`, ['--log-level', 'info', ...extra]);
      const parsed = JSON.parse(await logLine(node.output, 'node started')) as Record<string, unknown>;
      expect(parsed).toMatchObject({ level: 30, node: `json${extra.length}`, msg: 'node started' });
      await stopAll([node]);
    }
  });

  it('defaults to pretty when stderr is a terminal, json otherwise', () => {
    expect(defaultLogFormat({ stdout: () => {}, stderr: () => {}, env: {}, stderrIsTTY: true })).toBe('pretty');
    expect(defaultLogFormat({ stdout: () => {}, stderr: () => {}, env: {} })).toBe('json');
  });
});
