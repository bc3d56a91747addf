/**
 * A client that runs inside a lab machine's namespace (netns-lab.mjs): the
 * test process has no address on the lab's network, so it drives this agent
 * over stdin/stdout, one JSON object per line each way.
 *
 *   node netns-agent.mjs <ws-url> <token>
 *
 * Requests: `{ id, op: 'put', keys, w, concurrency }`, `{ id, op: 'get', keys, r,
 * concurrency }` (the value of a key is the key itself), `{ id, op: 'http',
 * method, url }` (with the token as a bearer). Answers: `{ id, acked | found,
 * errors: [{ key, code }], ms: [latency per success] }` or `{ id, status, text }`;
 * `{ id, error }` when the request itself failed. The SDK connects to the one
 * node given (`routing: 'any'`): it is the DC's client, its requests coordinated
 * by that node. Every request has a deadline (`requestTimeoutMs`), so no
 * answer hangs.
 */
import { connect } from '@ringkv/client-sdk';
import { createInterface } from 'node:readline';

const [url, token, timeout] = process.argv.slice(2);
const requestTimeoutMs = Number(timeout ?? 10_000);
const client = await connect(url, { authToken: token, routing: 'any', requestTimeoutMs });

function level(x) {
  return typeof x === 'string' && /^\d+$/.test(x) ? Number(x) : x;
}

async function each(keys, concurrency, fn) {
  let next = 0;
  const worker = async () => {
    while (next < keys.length) {
      const key = keys[next++];
      await fn(key);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency ?? 1) }, worker));
}

async function handle(m) {
  if (m.op === 'put' || m.op === 'get') {
    const done = [];
    const errors = [];
    const ms = [];
    await each(m.keys, m.concurrency, async (key) => {
      const t0 = performance.now();
      try {
        if (m.op === 'put') {
          await client.put(key, key, m.w === undefined ? {} : { w: level(m.w) });
          done.push(key);
        } else {
          const got = await client.get(key, m.r === undefined ? {} : { r: level(m.r) });
          if (got.siblings.some((s) => !s.tombstone && s.value === key)) done.push(key);
          else errors.push({ key, code: 'missing' });
        }
        ms.push(performance.now() - t0);
      } catch (error) {
        errors.push({ key, code: error.code ?? String(error), ms: performance.now() - t0 });
      }
    });
    return m.op === 'put' ? { acked: done, errors, ms } : { found: done, errors, ms };
  }
  if (m.op === 'http') {
    const res = await fetch(m.url, { method: m.method ?? 'GET', headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(m.timeoutMs ?? 60_000) });
    return { status: res.status, text: await res.text() };
  }
  throw new Error(`unknown op ${m.op}`);
}

const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  const m = JSON.parse(line);
  handle(m).then(
    (answer) => process.stdout.write(`${JSON.stringify({ id: m.id, ...answer })}\n`),
    (error) => process.stdout.write(`${JSON.stringify({ id: m.id, error: String(error?.message ?? error) })}\n`),
  );
});
lines.on('close', () => void client.close().finally(() => process.exit(0)));
process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
