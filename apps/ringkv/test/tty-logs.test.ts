/**
 * On a terminal, `ringkv start` and `ringkv dev` print readable log lines
 * without being asked (`--log-format` defaults to pretty there, the level
 * coloured), and Ctrl-C typed on that terminal stops them gracefully. The
 * terminal is a real pseudo-terminal from util-linux `script`; skipped, with
 * a line on stderr, where `script` is missing.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freeBase } from './support/dev-cluster.js';
import { cli, requireBuiltCli } from './support/processes.js';

const hasScript = spawnSync('sh', ['-c', 'command -v script'], { encoding: 'utf8' }).status === 0;
if (!hasScript) process.stderr.write('tty-logs.test.ts: util-linux `script` is not installed; the terminal tests are skipped\n');
const dir = mkdtempSync(join(tmpdir(), 'ringkv-tty-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The colour of an INFO level, as the pretty formatter writes it. */
const colouredInfo = '\u001b[32mINFO \u001b[0m';

/**
 * Runs `ringkv ARGS` on a pseudo-terminal, types Ctrl-C once `ready` appears in
 * its output, and resolves with the exit code and everything the terminal showed.
 */
function onTerminal(args: string, ready: RegExp): Promise<{ code: number | null; out: string }> {
  requireBuiltCli();
  // No inherited NO_COLOR/FORCE_COLOR/RINGKV_LOG_FORMAT: the defaults are what is tested.
  const { NO_COLOR: _n, FORCE_COLOR: _f, RINGKV_LOG_FORMAT: _l, ...env } = process.env;
  // `exec`: script runs the command through $SHELL -c; where that is dash (CI has no
  // SHELL, so /bin/sh), a shell left waiting would take the Ctrl-C too and exit 130.
  const term = spawn('script', ['-qefc', `exec ${process.execPath} ${cli} ${args}`, '/dev/null'], { env: { ...env, TERM: 'xterm' }, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let typed = false;
  const onData = (chunk: Buffer): void => {
    out += chunk.toString();
    if (!typed && ready.test(out)) {
      typed = true;
      term.stdin?.write('\u0003');
    }
  };
  term.stdout?.on('data', onData);
  term.stderr?.on('data', onData);
  const timer = setTimeout(() => term.kill('SIGKILL'), 90_000);
  return new Promise((resolve) => term.on('exit', (code) => {
    clearTimeout(timer);
    resolve({ code, out });
  }));
}

describe('logs on a terminal', () => {
  it.skipIf(!hasScript)('ringkv start prints readable, coloured log lines by default and stops on Ctrl-C (skipped without script)', async () => {
    const { code, out } = await onTerminal(`start --id tty1 --port 0 --data ${join(dir, 'tty1')} --durability none`, /ringkv node tty1 ready/);
    expect(out).toMatch(new RegExp(`\\d\\d:\\d\\d:\\d\\d\\.\\d{3} {2}${colouredInfo.replace(/\[/g, '\\[')} {2}tty1 {2}node started {2}url=`));
    expect(out).not.toContain('{"level"');
    expect(out).toContain('ringkv node tty1 stopped');
    expect(code).toBe(0);
  });

  it.skipIf(!hasScript)('ringkv dev passes the terminal\'s format and colour to its nodes, and Ctrl-C stops them all (skipped without script)', async () => {
    const base = await freeBase();
    const { code, out } = await onTerminal(`dev --base-port ${base} --dir ${join(dir, 'dev')} --log-level info --durability none`, /ringkv dev ready/);
    for (const id of ['node1', 'node2', 'node3']) {
      expect(out).toContain(`[${id}] `);
      expect(out).toMatch(new RegExp(`\\[${id}\\] \\d\\d:\\d\\d:\\d\\d\\.\\d{3} {2}${colouredInfo.replace(/\[/g, '\\[')} {2}${id} {2}node started`));
    }
    expect(out).not.toContain('{"level"');
    expect(out).toContain('ringkv dev: stopped');
    expect(code).toBe(0);
  });
});
