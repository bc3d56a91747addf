// getMany of 100 keys against 100 gets awaited one by one (issue 18), one node over loopback,
// both in this process. Prints the median wall time per round of 100 keys over ROUNDS rounds.
// Usage (after pnpm build): node packages/client-sdk/bench/many.mjs [ROUNDS]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startNode } from '@ringkv/node-server';
import { connect } from '@ringkv/client-sdk';

const rounds = Number(process.argv[2] ?? 200);
const dir = mkdtempSync(join(tmpdir(), 'ringkv-many-bench-'));
const node = await startNode({ id: 'b1', port: 0, dataDir: join(dir, 'n'), durability: 'none', logLevel: 'silent' });
const db = await connect(node.url);
const keys = Array.from({ length: 100 }, (_, i) => `bench-${i}`);
await db.putMany(keys.map((key, i) => ({ key, value: `value-${i}` })));
const median = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const time = async (fn) => {
  const out = [];
  for (let r = 0; r < rounds; r++) {
    const t = process.hrtime.bigint();
    await fn();
    out.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return median(out);
};
await time(() => db.getMany(keys)); // warm-up
const many = await time(() => db.getMany(keys));
const oneByOne = await time(async () => {
  for (const k of keys) await db.get(k);
});
console.log(`100 keys, median of ${rounds} rounds: getMany ${many.toFixed(2)} ms, 100 sequential gets ${oneByOne.toFixed(2)} ms (${(oneByOne / many).toFixed(1)}×)`);
await db.close();
await node.stop();
rmSync(dir, { recursive: true, force: true });
