/**
 * Streaming throughput of a join: node `a` alone (N = 1) holds
 * STREAM_BENCH_KEYS keys (default 200,000; 100-byte random values, written
 * straight into its engine before it starts); node `b` joins it with
 * `join: true` and pulls the ranges it gains (about half) over the real ws
 * peer link. The time is from `b`'s start to `b` serving as normal; the
 * figures are `b`'s `cluster.topology.stream` (keys and bytes of keys and
 * stored sets, before lz4).
 *
 * Run: pnpm --filter @ringkv/node-server bench streaming
 * (STREAM_BENCH_RATE=<bytes/s> sets `streamBytesPerSec`; default unthrottled: 10 GiB/s.)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openEngine } from '@ringkv/lsm-engine';
import { empty, live, update } from '@ringkv/vclock';
import { afterAll, bench, describe } from 'vitest';
import { startNode } from '../src/index.js';
import { engineKeyBytesMax } from '../src/limits.js';
import { storageKey } from '../src/store/keys.js';
import { encodeSet, type StoredValue } from '../src/store/set-codec.js';

const keys = Number(process.env['STREAM_BENCH_KEYS'] ?? 200_000);
const rate = Number(process.env['STREAM_BENCH_RATE'] ?? 10 * 1024 ** 3);
const dirs: string[] = [];
const rows: string[] = [];

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'ringkv-streambench-'));
  dirs.push(d);
  return d;
}

async function preload(dir: string): Promise<void> {
  const engine = await openEngine(dir, { durability: 'none', keyBytesMax: engineKeyBytesMax, valueBytesMax: 1 << 22 });
  let x = 0x2545f491;
  const value = (): Uint8Array => Uint8Array.from({ length: 100 }, () => ((x = (Math.imul(x, 1664525) + 1013904223) >>> 0) >>> 24));
  for (let start = 0; start < keys; start += 5_000) {
    const ops = [];
    for (let i = start; i < Math.min(keys, start + 5_000); i++) {
      ops.push({ type: 'put' as const, key: storageKey(`user:${i}`), value: encodeSet(update(empty<StoredValue>(), [], 'a', live<StoredValue>(value()))) });
    }
    await engine.batch(ops, { durability: 'none' });
  }
  await engine.close();
}

afterAll(() => {
  console.log(`\njoin streaming, ${keys.toLocaleString('en')} keys of 100 B on the source, streamBytesPerSec ${rate.toLocaleString('en')}\n| Keys streamed | Bytes streamed | Time | MB/s | keys/s |\n|---|---|---|---|---|\n${rows.join('\n')}`);
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('streaming', () => {
  bench(
    `join pulls about half of ${keys} keys`,
    async () => {
      const dirA = tempDir();
      await preload(dirA);
      const common = { logLevel: 'silent' as const, durability: 'interval' as const, gossipIntervalMs: 100, antiEntropyIntervalMs: 0, n: 1, r: 1, w: 1 };
      const a = await startNode({ id: 'a', dataDir: dirA, ...common });
      const t0 = performance.now();
      const b = await startNode({ id: 'b', dataDir: tempDir(), seeds: [a.url], join: true, streamBytesPerSec: rate, ...common });
      let stream: { keys: number; bytes: number; startedAtMs: number } | undefined;
      for (;;) {
        const s = (await (await fetch(`${b.httpUrl}/status`)).json()) as { cluster: { topology: { self: string; stream: typeof stream } } };
        if (s.cluster.topology.self === 'normal') {
          stream = s.cluster.topology.stream ?? undefined;
          break;
        }
        await new Promise((r) => setTimeout(r, 20));
      }
      const ms = performance.now() - t0;
      // The join waits for gossip first (a few rounds); the stream's own time starts at its first range.
      const streamMs = Date.now() - (stream?.startedAtMs ?? Date.now());
      const k = stream?.keys ?? 0;
      const bytes = stream?.bytes ?? 0;
      rows.push(`| ${k.toLocaleString('en')} | ${bytes.toLocaleString('en')} B | ${Math.round(ms)} ms from start (stream ≈ ${Math.round(streamMs)} ms) | ${(bytes / 1e6 / (ms / 1000)).toFixed(1)} | ${Math.round(k / (ms / 1000)).toLocaleString('en')} |`);
      await Promise.all([a.stop(), b.stop()]);
    },
    { iterations: 1, warmupIterations: 0, time: 0, warmupTime: 0 },
  );
});
