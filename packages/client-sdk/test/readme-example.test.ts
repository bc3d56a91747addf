/**
 * The README examples (this package's and the root README's five lines) run
 * as written against a real three-node cluster (as `ringkv dev` starts): the
 * code block is extracted, only its URLs (ports 7000–7002) are pointed at the
 * test nodes, and its console output is checked.
 */

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startNode, type RingkvNode } from '@ringkv/node-server';

const here = dirname(fileURLToPath(import.meta.url));
let dir: string;
const nodes: RingkvNode[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ringkv-readme-'));
  const common = { durability: 'none', logLevel: 'silent', gossipIntervalMs: 50, n: 3, r: 2, w: 2 } as const;
  const first = await startNode({ id: 'node1', port: 0, dataDir: join(dir, 'node1'), seeds: [], ...common });
  nodes.push(first);
  for (const id of ['node2', 'node3']) nodes.push(await startNode({ id, port: 0, dataDir: join(dir, id), seeds: [first.url], ...common }));
  // The examples write at W=all: wait until node1 sees both others normal.
  for (let i = 0; i < 600; i++) {
    const status = (await (await fetch(`${first.httpUrl}/status`)).json()) as { cluster?: { members?: { status: string }[] } };
    if ((status.cluster?.members ?? []).filter((m) => m.status === 'normal').length === 3) break;
    await new Promise((r) => setTimeout(r, 25));
  }
});
afterAll(async () => {
  await Promise.all(nodes.map((n) => n.stop()));
  rmSync(dir, { recursive: true, force: true });
});

function codeBlock(markdown: string, after: string, lang: string): string {
  const start = markdown.indexOf(after);
  expect(start, `section "${after}" not found`).toBeGreaterThanOrEqual(0);
  const m = new RegExp('```' + lang + '\\n([\\s\\S]*?)```').exec(markdown.slice(start));
  expect(m, `no ${lang} block after "${after}"`).not.toBeNull();
  return (m as RegExpExecArray)[1] as string;
}

/** Runs `code` as a module (with the workspace aliases) and returns what it logged. */
async function runModule(code: string, ext: string): Promise<unknown[][]> {
  const file = join(dir, `example-${Math.random().toString(36).slice(2)}.${ext}`);
  const urls = nodes.map((n) => n.url);
  writeFileSync(file, code.replace(/ws:\/\/127\.0\.0\.1:700([0-2])/g, (_, i: string) => urls[Number(i)] as string));
  const log = vi.spyOn(console, 'log').mockImplementation(() => {});
  try {
    await import(pathToFileURL(file).href);
    return log.mock.calls;
  } finally {
    log.mockRestore();
  }
}

describe('README examples', () => {
  it('the package README example runs and prints the updated cart', async () => {
    const code = codeBlock(readFileSync(join(here, '..', 'README.md'), 'utf8'), '## Example', 'ts');
    const calls = await runModule(code, 'ts');
    expect(calls).toEqual([[{ items: ['milk', 'eggs'] }]]);
  });

  it('the root README five-line example runs, prints the stored value, and prints the same on every run', async () => {
    const code = codeBlock(readFileSync(join(here, '..', '..', '..', 'README.md'), 'utf8'), '## SDK in five lines', 'js');
    expect(code.trim().split('\n')).toHaveLength(5);
    const printed = /\/\/ (.*)$/m.exec(code.split('\n')[3] as string)?.[1];
    for (let run = 1; run <= 3; run++) expect(await runModule(code, 'mjs'), `run ${run}`).toEqual([[printed]]);
  });
});
