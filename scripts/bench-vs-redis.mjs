#!/usr/bin/env node
/**
 * `pnpm bench:vs-redis`: ringkv and Redis side by side, in one sitting, on
 * this machine. Starts Redis (Debian's `redis-server`; installed with apt
 * when missing and we are root) and a ringkv node on free loopback ports,
 * runs the same shapes of load against each, interleaved, `--rounds` times,
 * and prints ops/s, p99 and the server's CPU time per operation (utime +
 * stime from /proc/PID/stat around the run: the figure that moves least
 * with the machine's load), with ratios.
 *
 *   ringkv: `ringkv bench -c 50 -P p --mix 50/50 -d 100 -r 100000`
 *   Redis:  `redis-benchmark -c 50 -P p -t set,get -d 100 -r 100000`
 *           (its SETs then its GETs: the same 50/50 overall)
 *
 * Rows: interval durability vs `appendfsync everysec` at 50 × 1 and 50 × 16;
 * `--durability sync` at 50 × 16 vs `appendfsync always` at 50 × 1 (the
 * issue's group-commit target). `--split` pins each server to core 0 and
 * its load generator to core 1 (taskset). Every server is started fresh for
 * its run on an empty data directory and stopped after.
 *
 * Flags: --rounds N (2), --seconds S (6, ringkv's run length; Redis gets an
 * operation count that takes about as long), --split, --transport ws|tcp
 * (the SDK's transport for ringkv's load: WebSocket, or raw TCP on the same
 * port; issue 12), --json.
 * Needs `pnpm build` first (the root script runs it).
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { freePort } from './free-port.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const cli = join(root, 'apps/ringkv/dist/cli.js');
const clockTicks = Number(spawnSync('getconf', ['CLK_TCK']).stdout.toString().trim() || 100);

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '2' },
    seconds: { type: 'string', default: '6' },
    split: { type: 'boolean', default: false },
    transport: { type: 'string', default: 'ws' },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h' },
  },
  strict: true,
});
if (values.help) {
  console.log('pnpm bench:vs-redis [--rounds N] [--seconds S] [--split] [--transport ws|tcp] [--json]');
  process.exit(0);
}
if (values.transport !== 'ws' && values.transport !== 'tcp') {
  console.error(`bench:vs-redis: --transport must be ws or tcp, got "${values.transport}"`);
  process.exit(2);
}
const rounds = positive('rounds', values.rounds);
const seconds = positive('seconds', values.seconds);

function positive(name, text) {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) {
    console.error(`bench:vs-redis: --${name} must be a positive integer, got "${text}"`);
    process.exit(2);
  }
  return n;
}

/** The shapes compared: [label, ringkv durability, ringkv -P, redis appendfsync, redis -P]. */
const rows = [
  ['interval / everysec, 50 × 1', 'interval', 1, 'everysec', 1],
  ['interval / everysec, 50 × 16', 'interval', 16, 'everysec', 16],
  ['ringkv sync 50 × 16 / Redis always 50 × 1', 'sync', 16, 'always', 1],
];

function ensureRedis() {
  const have = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
  if (have('redis-server') && have('redis-benchmark')) return;
  if (process.getuid?.() !== 0) {
    console.error('bench:vs-redis: redis-server is not installed; run `apt-get install -y redis-server` (as root) first');
    process.exit(1);
  }
  console.error('bench:vs-redis: installing redis-server with apt-get …');
  execFileSync('sh', ['-c', 'apt-get update -qq >/dev/null 2>&1; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null'], { stdio: 'inherit' });
}

/** utime + stime of `pid` in µs. */
function cpuUs(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / clockTicks;
}

const pin = (core, argv) => (values.split ? ['taskset', ['-c', String(core), ...argv]] : [argv[0], argv.slice(1)]);

function start(core, argv, ready) {
  const [cmd, args] = pin(core, argv);
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${argv[0]} did not start: ${out}`)), 15_000);
    const seen = (chunk) => {
      out += chunk;
      if (ready.test(out)) {
        clearTimeout(timer);
        resolve(child);
      }
    };
    child.stdout.on('data', seen);
    child.stderr.on('data', seen);
    child.once('exit', (code) => reject(new Error(`${argv[0]} exited ${code}: ${out}`)));
  });
}

async function stop(child) {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

function run(core, argv) {
  const [cmd, args] = pin(core, argv);
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`${argv.join(' ')} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

async function ringkvRun(durability, inflight) {
  const dir = mkdtempSync(join(tmpdir(), 'ringkv-vs-redis-'));
  const port = await freePort();
  const node = await start(0, ['node', cli, 'start', '--id', 'bench', '--port', String(port), '--data', dir, '--durability', durability, '--log-level', 'warn'], /ready/);
  try {
    const url = `${values.transport}://127.0.0.1:${port}`;
    // Warm: open sockets, JIT, some keys.
    run(1, ['node', cli, 'bench', '--url', url, '-c', '10', '-P', '4', '-n', '5000', '--json']);
    const c0 = cpuUs(node.pid);
    const r = JSON.parse(run(1, ['node', cli, 'bench', '--url', url, '-c', '50', '-P', String(inflight), '--duration', `${seconds}s`, '--mix', '50/50', '-d', '100', '-r', '100000', '--json']));
    const c1 = cpuUs(node.pid);
    const ops = r.all.count + r.errors;
    return { opsPerSec: r.all.opsPerSec, p50Ms: r.all.p50Ms, p99Ms: r.all.p99Ms, cpuUsPerOp: (c1 - c0) / ops, clientCpuUsPerOp: r.clientCpuUsPerOp, errors: r.errors };
  } finally {
    await stop(node);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Requests for a Redis run of about `seconds`: its throughput differs by ~10× between -P 1 and -P 16. */
const redisRequests = (inflight) => (inflight === 1 ? 40_000 : 400_000) * seconds;

async function redisRun(fsync, inflight) {
  const dir = mkdtempSync(join(tmpdir(), 'redis-vs-ringkv-'));
  const port = await freePort();
  const server = await start(0, ['redis-server', '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'yes', '--appendfsync', fsync], /Ready to accept connections/);
  try {
    const n = Math.round(redisRequests(inflight) / 2);
    const c0 = cpuUs(server.pid);
    const csv = run(1, ['redis-benchmark', '-h', '127.0.0.1', '-p', String(port), '-c', '50', '-P', String(inflight), '-t', 'set,get', '-d', '100', '-r', '100000', '-n', String(n), '--csv']);
    const c1 = cpuUs(server.pid);
    const lines = csv.trim().split('\n').filter((l) => /^"(SET|GET)"/.test(l)).map((l) => l.split(',').map((x) => x.replace(/"/g, '')));
    // Columns: test, rps, avg, min, p50, p95, p99, max.
    const rps = lines.map((l) => Number(l[1]));
    const opsPerSec = (2 * n) / lines.reduce((t, l) => t + n / Number(l[1]), 0);
    const p99Ms = Math.max(...lines.map((l) => Number(l[6])));
    const p50Ms = Math.max(...lines.map((l) => Number(l[4])));
    return { opsPerSec: Math.round(opsPerSec), p50Ms, p99Ms, cpuUsPerOp: (c1 - c0) / (2 * n), rps };
  } finally {
    await stop(server);
    rmSync(dir, { recursive: true, force: true });
  }
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function main() {
  ensureRedis();
  const load0 = loadavg()[0];
  const results = rows.map(() => ({ ringkv: [], redis: [] }));
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < rows.length; i++) {
      const [label, durability, kP, fsync, rP] = rows[i];
      // Interleaved, and the order alternates by round so neither always runs first.
      const pair = round % 2 === 0 ? ['ringkv', 'redis'] : ['redis', 'ringkv'];
      for (const who of pair) {
        const r = who === 'ringkv' ? await ringkvRun(durability, kP) : await redisRun(fsync, rP);
        results[i][who].push(r);
        if (!values.json) console.error(`round ${round + 1} ${label} ${who}: ${r.opsPerSec} ops/s, p99 ${r.p99Ms} ms, server CPU ${r.cpuUsPerOp.toFixed(1)} µs/op`);
      }
    }
  }
  const load1 = loadavg()[0];
  const table = rows.map(([label], i) => {
    const k = results[i].ringkv;
    const r = results[i].redis;
    const kOps = median(k.map((x) => x.opsPerSec));
    const rOps = median(r.map((x) => x.opsPerSec));
    const kCpu = median(k.map((x) => x.cpuUsPerOp));
    const rCpu = median(r.map((x) => x.cpuUsPerOp));
    return {
      label,
      ringkvOpsPerSec: kOps,
      redisOpsPerSec: rOps,
      opsRatio: kOps / rOps,
      ringkvP99Ms: median(k.map((x) => x.p99Ms)),
      redisP99Ms: median(r.map((x) => x.p99Ms)),
      ringkvCpuUsPerOp: kCpu,
      redisCpuUsPerOp: rCpu,
      cpuRatio: kCpu / rCpu,
      clientCpuUsPerOp: median(k.map((x) => x.clientCpuUsPerOp)),
      ringkvErrors: k.reduce((t, x) => t + x.errors, 0),
    };
  });
  if (values.json) {
    console.log(JSON.stringify({ rounds, seconds, split: values.split, transport: values.transport, loadAverage: [load0, load1], table, runs: results }, null, 2));
    return;
  }
  const f = (x, d = 0) => x.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
  console.log(`\nringkv vs Redis, medians of ${rounds} interleaved rounds, ${values.split ? 'servers on core 0, load on core 1' : 'cores shared'}, ringkv over ${values.transport === 'tcp' ? 'raw TCP' : 'WebSocket'}; load average ${load0.toFixed(2)} → ${load1.toFixed(2)}`);
  console.log('| run | ringkv ops/s | Redis ops/s | ratio | ringkv p99 ms | Redis p99 ms | ringkv CPU µs/op | Redis CPU µs/op | CPU ratio | bench client CPU µs/op |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const t of table) {
    console.log(
      `| ${t.label} | ${f(t.ringkvOpsPerSec)} | ${f(t.redisOpsPerSec)} | ${f(t.opsRatio, 2)}× | ${f(t.ringkvP99Ms, 1)} | ${f(t.redisP99Ms, 1)} | ${f(t.ringkvCpuUsPerOp, 1)} | ${f(t.redisCpuUsPerOp, 1)} | ${f(t.cpuRatio, 1)}× | ${f(t.clientCpuUsPerOp, 1)} |`,
    );
  }
  if (table.some((t) => t.ringkvErrors > 0)) console.log(`ringkv errors: ${table.map((t) => t.ringkvErrors).join(', ')}`);
}

main().catch((error) => {
  console.error(`bench:vs-redis: ${error.message}`);
  process.exit(1);
});
