#!/usr/bin/env node
/**
 * CPU time per `WireCodec.decode` of the hot frames (issue 12): the replies
 * and requests of `ringkv bench`'s load, one frame decoded in a loop after a
 * warm-up; process CPU (utime + stime) per decode, which moves less with a
 * loaded machine than wall time. Needs `pnpm build` first.
 *
 *   node packages/protocol/bench/decode-cpu.mjs [--protocol <tree>/packages/protocol/dist/index.js]
 *
 * `--protocol` loads another build (the tree before a change) for a
 * before/after in one sitting.
 */
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { protocol: { type: 'string', default: new URL('../dist/index.js', import.meta.url).href } } });
const { WireCodec } = await import(values.protocol.startsWith('file:') ? values.protocol : `file://${values.protocol}`);
const codec = new WireCodec();
const context = new Uint8Array(20).fill(3);
const value = new Uint8Array(100).fill(7);
const frames = {
  'get-ok': codec.encode({ type: 'get-ok', id: 1234, found: true, siblings: [{ value }], context }),
  'put-ok': codec.encode({ type: 'put-ok', id: 1234, context }),
  'batch-ok ×16': codec.encode({ type: 'batch-ok', id: 99, results: Array.from({ length: 16 }, (_, i) => (i % 2 ? { type: 'put-ok', context } : { type: 'get-ok', found: true, siblings: [{ value }], context })) }),
  put: codec.encode({ type: 'put', id: 1234, key: 'bench:12345', value, context }),
  'batch ×16': codec.encode({ type: 'batch', id: 99, ops: Array.from({ length: 16 }, (_, i) => (i % 2 ? { type: 'put', key: `bench:${i}`, value, context } : { type: 'get', key: `bench:${i}` })) }),
};
for (const [name, frame] of Object.entries(frames)) {
  const n = name.includes('×') ? 20_000 : 300_000;
  for (let i = 0; i < n / 10; i++) codec.decode(frame);
  const t0 = process.cpuUsage();
  for (let i = 0; i < n; i++) if (!codec.decode(frame).ok) throw new Error(`${name} did not decode`);
  const t = process.cpuUsage(t0);
  console.log(`${name.padEnd(14)} ${((t.user + t.system) / n).toFixed(2).padStart(6)} µs/decode`);
}
