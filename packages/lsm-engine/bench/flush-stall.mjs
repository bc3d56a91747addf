// What a flush and a compaction cost the event loop (issue 12, target 3): one engine with a
// node's 64 MiB memtable, filled with 400,000 puts of 100-byte values over 100,000 keys, then
// flushed twice and compacted, with a 1 ms interval timer keeping the loop turning as a
// serving node's requests would. Prints the event loop's busy time and delay around each.
// usage: node bench/flush-stall.mjs [path to an engine's dist/index.js (default this one)] [on|off|default]
// (`pnpm build` first; pass the old tree's dist to compare the same sitting).
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const lib = process.argv[2] ?? new URL('../dist/index.js', import.meta.url).href;
const mode = process.argv[3] ?? 'default';
const { openEngine } = await import(lib);
const dir = join(mkdtempSync(join(tmpdir(), 'flush-stall-')), 'db');
const extra = mode === 'default' ? {} : { tableWorker: mode === 'on' };
const db = await openEngine(dir, { memtableBytes: 64 * 1024 * 1024, durability: 'none', autoCompaction: false, ...extra });
const enc = new TextEncoder();
let x = 12345;
const rnd = () => (x = (x * 1103515245 + 12345) & 0x7fffffff);
const value = new Uint8Array(100).fill(7);
async function fill(n) {
  for (let i = 0; i < n; i++) {
    const k = enc.encode('d' + String(rnd() % 100000).padStart(8, '0'));
    await db.put(k, value);
  }
}
async function measure(label, fn) {
  const h = monitorEventLoopDelay({ resolution: 1 });
  // A ticker keeps the loop turning, as a serving node's requests would.
  const tick = setInterval(() => {}, 1);
  h.enable();
  const elu0 = performance.eventLoopUtilization();
  const t0 = performance.now();
  await fn();
  const wall = performance.now() - t0;
  const elu = performance.eventLoopUtilization(elu0);
  h.disable();
  clearInterval(tick);
  console.log(`${label.padEnd(12)} wall ${wall.toFixed(0)} ms, main thread busy ${(elu.active).toFixed(0)} ms, loop delay p99 ${(h.percentile(99) / 1e6).toFixed(1)} ms, max ${(h.max / 1e6).toFixed(1)} ms`);
}
for (let round = 0; round < 2; round++) {
  await fill(400000);
  await measure(`flush ${round + 1}`, () => db.flush());
}
await measure('compaction', () => db.compact());
console.log(JSON.stringify(db.stats().levels.map((l) => l.tables)));
await db.close();
rmSync(join(dir, '..'), { recursive: true, force: true });
