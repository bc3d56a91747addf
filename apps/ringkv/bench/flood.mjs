// Issue 16, "a flood from one connection does not raise another client's p99 beyond 2×":
// one node process with a tokens file; a steady client load (`ringkv bench -c 50 -P 1`, its own
// write token) measured alone, then while one connection floods the node with its own token,
// once without a rate limit and once with one (`ringkv token add --rps`).
//
//   pnpm build && node apps/ringkv/bench/flood.mjs [seconds=10] [floodRps=1000] [floodInFlight=4096]
//
// The flooder is a separate process: one SDK connection (routing 'any', so one socket) keeping
// `floodInFlight` 100-byte puts (each to a new key) and gets of them outstanding, pipelined and batched as fast as the node
// answers; a `rate-limited` answer is not waited out (an abusive client ignores retryAfterMs):
// the next request goes at once. Prints each phase's steady p50/p99/ops, the ratio of p99 to the
// alone phase, the flood's answers by outcome, and /proc/loadavg before and after.
// A benchmark, not a test: it asserts nothing and never runs in `pnpm test`.
import { execFile, fork, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const [seconds = 10, floodRps = 1000, floodInFlight = 4096] = process.argv.slice(2, 5).map(Number);

if (process.env.FLOOD_URL !== undefined) await flood(process.env.FLOOD_URL, process.env.FLOOD_TOKEN);
else await main();

/** The flood process: one connection, `floodInFlight` requests always outstanding, until SIGTERM. */
async function flood(url, token) {
  const { connect, isRingkvError } = await import('@ringkv/client-sdk');
  const client = await connect(url, { authToken: token, routing: 'any', inFlightMax: floodInFlight, requestTimeoutMs: 30_000, clientName: 'flood-bench' });
  const value = new Uint8Array(100).fill(7);
  const outcomes = {};
  let stopping = false;
  process.once('SIGTERM', () => (stopping = true));
  const worker = async (w) => {
    for (let i = 0; !stopping; i++) {
      // Each put a new key, each get the one just written: no key gathers siblings (blind puts to one key would).
      const key = `flood-${w}-${i >> 1}`;
      try {
        await ((i & 1) === 0 ? client.put(key, value) : client.get(key));
        outcomes.ok = (outcomes.ok ?? 0) + 1;
      } catch (error) {
        const code = isRingkvError(error) ? error.code : 'other';
        outcomes[code] = (outcomes[code] ?? 0) + 1;
        if (code !== 'rate-limited') await new Promise((r) => setTimeout(r, 10)); // a lost connection must not spin
      }
    }
  };
  process.send?.({ ready: true });
  await Promise.all(Array.from({ length: floodInFlight }, (_, w) => worker(w)));
  process.send?.({ outcomes });
  await client.close();
  process.exit(0);
}

function run(args) {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [cli, ...args], { maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => (error === null ? resolve(stdout) : reject(new Error(`${args[0]}: ${stderr || error.message}`))));
  });
}

async function token(file, extra) {
  return JSON.parse(await run(['token', 'add', '--role', 'write', '--file', file, '--json', ...extra])).token;
}

function startNode(dir, tokensFile) {
  const proc = spawn(process.execPath, [cli, 'start', '--id', 'flood1', '--port', '0', '--data', join(dir, 'flood1'), '--n', '1', '--r', '1', '--w', '1', '--tokens-file', tokensFile, '--cluster-secret', 'flood-bench-secret', '--log-level', 'warn', '--machine', 'flood-bench'], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    proc.stdout.on('data', (chunk) => {
      out += chunk;
      const m = /ready url=(ws:\/\/\S+) http=(http:\/\/\S+)/.exec(out);
      if (m !== null) resolve({ url: m[1], http: m[2], stop: () => new Promise((r) => { proc.once('exit', r); proc.kill('SIGTERM'); }) });
    });
    proc.once('exit', (code) => reject(new Error(`the node exited with ${code}: ${out}`)));
  });
}

/** `ringkv bench` 50 × 1 for `seconds`, with the steady token: its all-operations summary. */
async function steady(url, steadyToken) {
  const result = JSON.parse(await run(['bench', '--url', url, '-c', '50', '-P', '1', '--duration', `${seconds}s`, '--auth-token', steadyToken, '--json']));
  return { ...result.all, errors: result.errors };
}

/** Runs the steady load while a flooder with `floodToken` runs; returns both. */
async function withFlood(url, floodToken, steadyToken) {
  const child = fork(fileURLToPath(import.meta.url), process.argv.slice(2), { env: { ...process.env, FLOOD_URL: url, FLOOD_TOKEN: floodToken }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const messages = [];
  child.on('message', (m) => messages.push(m));
  await new Promise((resolve) => {
    const check = () => (messages.some((m) => m.ready) ? resolve() : setTimeout(check, 50));
    check();
  });
  await new Promise((r) => setTimeout(r, 1_000)); // the flood is at full pace before the measurement starts
  const figures = await steady(url, steadyToken);
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
  return { figures, flood: messages.find((m) => m.outcomes !== undefined)?.outcomes ?? {} };
}

function loadavg() {
  return readFileSync('/proc/loadavg', 'utf8').trim();
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'ringkv-flood16-'));
  const file = join(dir, 'tokens.json');
  const steadyToken = await token(file, ['--name', 'steady']);
  const floodToken = await token(file, ['--name', 'flood']);
  const limitedToken = await token(file, ['--name', 'flood-limited', '--rps', String(floodRps)]);
  const node = await startNode(dir, file);
  try {
    const before = loadavg();
    const phase = (name) => process.stderr.write(`flood bench: ${name} (${new Date().toISOString().slice(11, 19)})\n`);
    phase('warm-up');
    await steady(node.url, steadyToken); // warm-up: keys written, JIT warm
    phase('steady alone');
    const alone = await steady(node.url, steadyToken);
    phase('steady + flood, no rate limit');
    const unlimited = await withFlood(node.url, floodToken, steadyToken);
    phase(`steady + flood, --rps ${floodRps}`);
    const limited = await withFlood(node.url, limitedToken, steadyToken);
    phase('steady alone again');
    const aloneAgain = await steady(node.url, steadyToken);
    const row = (name, f, flood) =>
      `${name.padEnd(34)}${String(f.opsPerSec).padStart(9)}${f.p50Ms.toFixed(2).padStart(9)}${f.p99Ms.toFixed(2).padStart(9)}${(f.p99Ms / alone.p99Ms).toFixed(2).padStart(10)}×  ${f.errors} errors${flood === undefined ? '' : `; flood answers ${JSON.stringify(flood)}`}`;
    console.log(`flood bench: ${seconds} s per phase, steady = ringkv bench -c 50 -P 1 (own token), flood = 1 connection × ${floodInFlight} in flight, limited token --rps ${floodRps}`);
    console.log(`${'phase'.padEnd(34)}${'ops/s'.padStart(9)}${'p50 ms'.padStart(9)}${'p99 ms'.padStart(9)}${'p99/alone'.padStart(11)}`);
    console.log(row('steady alone', alone));
    console.log(row('steady + flood (no rate limit)', unlimited.figures, unlimited.flood));
    console.log(row(`steady + flood (--rps ${floodRps})`, limited.figures, limited.flood));
    console.log(row('steady alone again', aloneAgain));
    console.log(`loadavg before: ${before}   after: ${loadavg()}`);
  } finally {
    await node.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
