import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { colorFor, formatLogLine, prettyLogDestination } from './log-pretty.js';

describe('prettyLogDestination', () => {
  it('turns each pino JSON line into time, level, node, message and key=value fields', () => {
    const lines: string[] = [];
    const log = pino({ level: 'info', base: { node: 'node1' }, timestamp: pino.stdTimeFunctions.isoTime }, prettyLogDestination({ write: (t) => lines.push(t) }, { color: false }));
    log.info({ url: 'ws://127.0.0.1:7000', seeds: ['a', 'b'], auth: false, note: 'two words' }, 'node started');
    log.warn('node stopping');
    log.debug('not written at info');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^\d\d:\d\d:\d\d\.\d{3} {2}INFO {3}node1 {2}node started {2}url=ws:\/\/127\.0\.0\.1:7000 seeds=\["a","b"\] auth=false note="two words"\n$/);
    expect(lines[1]).toMatch(/^\d\d:\d\d:\d\d\.\d{3} {2}WARN {3}node1 {2}node stopping\n$/);
  });

  it('prints an error message inline and its stack indented below, and colours only the level when asked', () => {
    const lines: string[] = [];
    const log = pino({ base: { node: 'n' } }, prettyLogDestination({ write: (t) => lines.push(t) }, { color: true }));
    log.error({ err: Object.assign(new Error('disk full'), { code: 'ENOSPC' }) }, 'storage failed');
    const [first, ...stack] = (lines[0] as string).trimEnd().split('\n');
    expect(first).toContain('\u001b[31mERROR\u001b[0m  n  storage failed  err="disk full" code=ENOSPC');
    expect(stack.length).toBeGreaterThan(0);
    expect(stack.every((l) => l.startsWith('    at '))).toBe(true);
  });

  it('passes a line that is not a JSON object through unchanged', () => {
    expect(formatLogLine('plain text', false)).toBe('plain text');
    expect(formatLogLine('[1,2]', false)).toBe('[1,2]');
  });

  it('colours when FORCE_COLOR is set or the output is a terminal, never with NO_COLOR', () => {
    expect(colorFor({ write: () => {}, isTTY: true }, {})).toBe(true);
    expect(colorFor({ write: () => {}, isTTY: false }, {})).toBe(false);
    expect(colorFor({ write: () => {} }, { FORCE_COLOR: '1' })).toBe(true);
    expect(colorFor({ write: () => {}, isTTY: true }, { FORCE_COLOR: '0' })).toBe(true);
    expect(colorFor({ write: () => {}, isTTY: true }, { NO_COLOR: '1', FORCE_COLOR: '1' })).toBe(false);
  });
});
