/**
 * `ringkv mget|mput|mdel` (issue 18 "Batches") as a user runs them against a
 * real node: per-key lines in input order, entries from the arguments, a
 * file or standard input, exit 1 when any key failed (the others still
 * done), and a usage error (exit 2, nothing sent) beyond manyOpsMax.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { manyOpsMax } from '@ringkv/client-sdk';
import { cli, env, processRun, run, type NodeProcess } from './support/processes.js';

const nodes = processRun('ringkv-batch-');

/** The CLI with `input` on its standard input. */
function runWithInput(args: string[], input: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const proc = spawn(process.execPath, [cli, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    proc.stdout.on('data', (c: Buffer) => (out += c.toString()));
    proc.stderr.on('data', (c: Buffer) => (err += c.toString()));
    proc.on('close', (code) => resolve({ code, stdout: out, stderr: err }));
    proc.stdin.end(input);
  });
}

let node: NodeProcess | undefined;
async function url(): Promise<string[]> {
  node ??= await nodes.start('b1', ['--n', '1', '--r', '1', '--w', '1']);
  return ['--url', node.url];
}

describe('ringkv mget, mput, mdel', () => {
  it('mput KEY=VALUE pairs, then mget prints one line per key in input order, a missing key as (not found)', async () => {
    const u = await url();
    const put = await run(['mput', 'a=1', 'b=two=2', 'c=', ...u]);
    expect([put.code, put.stdout.trim().split('\n')]).toEqual([0, ['a\tOK', 'b\tOK', 'c\tOK']]);
    const got = await run(['mget', 'b', 'missing', 'a', 'c', ...u]);
    expect([got.code, got.stdout.split('\n')]).toEqual([0, ['b\ttwo=2', 'missing\t(not found)', 'a\t1', 'c\t', '']]);
  });

  it('mput reads JSON lines from standard input (values, deletes), and mget --json prints a JSON object per key', async () => {
    const u = await url();
    await run(['mput', 'gone=x', ...u]);
    const lines = [JSON.stringify({ key: 'j1', value: { n: 1 } }), '', JSON.stringify({ key: 'j2', value: 'text' }), JSON.stringify({ key: 'gone', delete: true })].join('\n');
    const put = await runWithInput(['mput', '-', ...u], lines);
    expect([put.code, put.stdout.trim().split('\n')]).toEqual([0, ['j1\tOK', 'j2\tOK', 'gone\tOK']]);
    const got = await run(['mget', 'j1', 'j2', 'gone', '--json', ...u]);
    const objects = got.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(objects).toMatchObject([
      { key: 'j1', ok: true, found: true, siblings: [{ value: { n: 1 } }] },
      { key: 'j2', ok: true, found: true, siblings: [{ value: 'text' }] },
      { key: 'gone', ok: true, found: false },
    ]);
  });

  it('mget and mdel take keys from a file, one per line; mdel deletes them', async () => {
    const u = await url();
    await run(['mput', 'f1=a', 'f2=b', ...u]);
    const file = join(nodes.dir(), 'keys.txt');
    writeFileSync(file, 'f1\nf2\n');
    const del = await run(['mdel', '--file', file, ...u]);
    expect([del.code, del.stdout.trim().split('\n')]).toEqual([0, ['f1\tOK', 'f2\tOK']]);
    const got = await run(['mget', '--file', file, ...u]);
    expect(got.stdout.trim().split('\n')).toEqual(['f1\t(not found)', 'f2\t(not found)']);
  });

  it('mput supersedes what its read of each key saw, as put does; with --blind a write becomes a sibling', async () => {
    const u = await url();
    await run(['mput', 's=a', ...u]);
    expect((await run(['mput', 's=b', ...u])).code).toBe(0);
    expect((await run(['mget', 's', ...u])).stdout).toBe('s\tb\n');
    expect((await run(['mput', 's=c', '--blind', ...u])).code).toBe(0);
    expect((await run(['mget', 's', ...u])).stdout).toMatch(/^s\t\(2 siblings\) \[0\] [bc] \[1\] [bc]\n$/);
    expect((await run(['mput', 's=d', '--blind', '--r', '1', ...u])).code).toBe(2);
    expect((await run(['mget', 's', '--file', 'x', ...u])).code).toBe(2);
  });

  it('exits 1 when a key fails, after printing every key: the others are still written', async () => {
    const u = await url();
    const long = 'k'.repeat(2_000); // over the node's keyBytesMax (1,024)
    const put = await run(['mput', 'ok1=v', `${long}=v`, 'ok2=v', ...u]);
    expect(put.code).toBe(1);
    const lines = put.stdout.trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toBe('ok1\tOK');
    expect(lines[1]).toMatch(/^k+\tERROR key-too-large: /);
    expect(lines[2]).toBe('ok2\tOK');
    expect(put.stderr.trim()).toBe('ringkv: mput: 1 of 3 keys failed');
    const json = await run(['mget', 'ok1', long, '--json', ...u]);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout.trim().split('\n')[1] as string)).toMatchObject({ ok: false, code: 'key-too-large', indeterminate: false });
    expect((await run(['mget', 'ok1', 'ok2', ...u])).stdout.trim().split('\n')).toEqual(['ok1\tv', 'ok2\tv']);
  });

  it(`refuses more than manyOpsMax (${manyOpsMax}) keys with a usage error before connecting, and bad input lines`, async () => {
    const keys = Array.from({ length: manyOpsMax + 1 }, (_, i) => `k${i}`);
    const tooMany = await run(['mget', ...keys, '--url', 'ws://127.0.0.1:1']);
    expect([tooMany.code, tooMany.stderr.trim()]).toEqual([2, `ringkv: mget: ${manyOpsMax + 1} keys exceed manyOpsMax (${manyOpsMax}) of one batch; split them into several calls`]);
    const fromStdin = await runWithInput(['mdel', '-', '--url', 'ws://127.0.0.1:1'], keys.join('\n'));
    expect(fromStdin.code).toBe(2);
    expect(fromStdin.stderr).toMatch(/exceed manyOpsMax/);
    const notPair = await run(['mput', 'novalue', '--url', 'ws://127.0.0.1:1']);
    expect([notPair.code, notPair.stderr]).toEqual([2, expect.stringMatching(/^ringkv: mput: "novalue" is not KEY=VALUE/)]);
    const badLine = await runWithInput(['mput', '-', '--url', 'ws://127.0.0.1:1'], '{"key":"a","value":1}\n{"key":"b"}\n');
    expect([badLine.code, badLine.stderr]).toEqual([2, expect.stringMatching(/^ringkv: mput: line 2: give "value" \(a put\) or "delete": true/)]);
    expect((await run(['mget', '--url', 'ws://127.0.0.1:1'])).code).toBe(2);
  });
});
