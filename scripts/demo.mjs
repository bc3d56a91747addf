#!/usr/bin/env node
// `pnpm demo`: a guided tour of a throw-away three-node cluster, in about 20 s.
//
// Starts three `ringkv start` processes on free loopback ports (data in a fresh temp
// directory, N=3 R=2 W=2), waits until every node answers /health and all three agree on
// the members, then uses @ringkv/client-sdk to show: a put and a get with receipts; two
// writes from the same context kept as siblings and resolved with `update`; a node killed
// with SIGKILL and a W=2 write still succeeding, leaving a hint; the node restarted and
// the hint handed off. Then it stops the nodes and removes the directory.
//
// Needs a build (`pnpm demo` runs `pnpm build` first). Exits 0 on success, 1 on any
// failure, and stops within `demoTimeoutMs` in any case. The nodes are started with an
// IPC channel, so they stop themselves if this script dies.

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './free-port.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const cliPath = join(root, 'apps/ringkv/dist/cli.js');
// The SDK is a workspace package, not a dependency of the root: import its build directly.
const { connect } = await import(new URL('../packages/client-sdk/dist/index.js', import.meta.url).href);

/** The whole demo, start to clean-up; past it everything is killed and the exit is 1. */
const demoTimeoutMs = 60_000;
/** How long one wait (health, agreement, handoff) may take. */
const waitMsMax = 20_000;
const pollMs = 200;

const dir = mkdtempSync(join(tmpdir(), 'ringkv-demo-'));
const nodes = [];
const say = (line) => console.log(line);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Starts (or restarts) node `i` with the same id, port and data directory. */
function startNode(i) {
  const node = nodes[i];
  const seeds = nodes.filter((_, j) => j !== i).map((m) => `127.0.0.1:${m.port}`).join(',');
  const args = [cliPath, 'start', '--id', node.id, '--port', String(node.port), '--data', join(dir, node.id),
    '--seeds', seeds, '--n', '3', '--r', '2', '--w', '2', '--durability', 'interval', '--log-level', 'error',
    // Three nodes on one host: each its own machine label (the default, the hostname, would make them one machine).
    '--machine', node.id];
  const env = { ...process.env, RINGKV_CONFIG: '', RINGKV_SEEDS: '' };
  node.proc = spawn(process.execPath, args, { env, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  node.stderr = '';
  node.proc.stderr.on('data', (chunk) => { node.stderr = (node.stderr + chunk).slice(-4000); });
  node.exited = new Promise((resolve) => node.proc.once('exit', (code, signal) => resolve(code ?? signal)));
}

async function fetchJson(url) {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    return res.ok ? await res.json() : undefined;
  } catch {
    return undefined;
  }
}

/** Polls `test` until it returns a truthy value; fails with `what` after `waitMsMax`. */
async function waitFor(what, test) {
  const deadline = Date.now() + waitMsMax;
  for (;;) {
    const result = await test();
    if (result) return result;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(pollMs);
  }
}

const http = (node) => `http://127.0.0.1:${node.port}`;
const status = (node) => fetchJson(`${http(node)}/status`);

/** True when every node in `live` sees all three members normal, on one ring version. */
async function agreed(live) {
  const views = await Promise.all(live.map(status));
  const versions = new Set(views.map((v) => v?.cluster?.ring?.version));
  return versions.size === 1 && views.every((v) => {
    const members = v?.cluster?.members ?? [];
    return nodes.every((n) => members.some((m) => m.id === n.id && m.status === 'normal'));
  });
}

/** Hints held for `target`, summed over the other nodes' /status. */
async function hintsFor(target) {
  const views = await Promise.all(nodes.filter((n) => n !== target).map(status));
  return views.reduce((sum, v) => sum + (v?.cluster?.hintsPending?.[target.id] ?? 0), 0);
}

/** "node1 ack 2 ms, node2 ack 3 ms, …" from a receipt. */
function replicasLine(receipt) {
  return receipt.replicas.map((r) => {
    const latency = typeof r.latencyMs === 'number' ? ` ${Math.round(r.latencyMs)} ms` : '';
    const hint = r.hintFor === undefined ? '' : ` (holding a hint for ${r.hintFor})`;
    const outcome = r.outcome === 'pending' ? 'still in flight at the answer' : r.outcome;
    return `${r.node} ${outcome}${r.outcome === 'pending' ? '' : latency}${hint}`;
  }).join(', ');
}

async function stopAll() {
  await Promise.all(nodes.map(async (n) => {
    if (n.proc === undefined || n.proc.exitCode !== null || n.proc.signalCode !== null) return;
    n.proc.kill('SIGTERM');
    const stopped = await Promise.race([n.exited.then(() => true), sleep(10_000).then(() => false)]);
    if (!stopped) n.proc.kill('SIGKILL');
  }));
}

async function demo() {
  for (let i = 0; i < 3; i++) nodes.push({ id: `node${i + 1}`, port: await freePort() });
  for (let i = 0; i < 3; i++) startNode(i);
  say(`starting node1-node3 on ports ${nodes.map((n) => n.port).join(', ')} (N=3 R=2 W=2, data in ${dir})`);
  await waitFor('/health of every node', async () => (await Promise.all(nodes.map((n) => fetchJson(`${http(n)}/health`)))).every(Boolean));
  await waitFor('the nodes to agree on the members', () => agreed(nodes));
  say('cluster ready: every node sees node1, node2, node3 normal on the same ring');

  const db = await connect(nodes.map((n) => `ws://127.0.0.1:${n.port}`), { requestTimeoutMs: 3_000 });
  try {
    // 1. A put and a get, with receipts.
    const put = await db.put('user:1', { name: 'Ada' }, { receipt: true });
    say(`put user:1 -> coordinator ${put.receipt.coordinator}, W=${put.receipt.w}: ${replicasLine(put.receipt)}`);
    const got = await db.get('user:1', { receipt: true });
    say(`get user:1 -> ${JSON.stringify(got.values)} from coordinator ${got.receipt.coordinator}, R=${got.receipt.r}: ${replicasLine(got.receipt)}`);

    // 2. Two writers read the same version and both write: neither overwrites the other.
    const read = await db.get('cart:ada');
    await Promise.all([db.put('cart:ada', ['milk'], { context: read.context }), db.put('cart:ada', ['eggs'], { context: read.context })]);
    const forked = await db.get('cart:ada');
    say(`two concurrent puts on cart:ada -> ${forked.values.length} siblings: ${JSON.stringify(forked.values)}`);
    const merged = await db.update('cart:ada', (values) => [...new Set(values.flat())].sort());
    const after = await db.get('cart:ada');
    say(`update merges them -> ${JSON.stringify(merged.value)}; get now returns ${after.values.length} value`);

    // 3. One node dies; W=2 still succeeds and a hint is kept for it.
    const victim = nodes[2];
    victim.proc.kill('SIGKILL');
    await victim.exited;
    say(`killed ${victim.id} with SIGKILL`);
    const live = nodes.filter((n) => n !== victim);
    const degraded = await db.put('user:2', { name: 'Grace' }, { receipt: true });
    say(`put user:2 with W=2 -> ok via ${degraded.receipt.coordinator}: ${replicasLine(degraded.receipt)}`);
    const held = await waitFor(`a hint for ${victim.id}`, () => hintsFor(victim));
    say(`${held} hint(s) held for ${victim.id} by ${live.map((n) => n.id).join(' and ')}`);

    // 4. The node comes back; the hint is handed off.
    startNode(2);
    await waitFor(`/health of ${victim.id}`, () => fetchJson(`${http(victim)}/health`));
    say(`restarted ${victim.id} on its data directory`);
    await waitFor(`the hints for ${victim.id} to be handed off`, async () => (await hintsFor(victim)) === 0);
    const handed = (await Promise.all(live.map(status))).reduce((sum, v) => sum + (v?.cluster?.handoff?.replayed ?? 0), 0);
    say(`hints handed off to ${victim.id} (${handed} replayed); none pending`);
  } finally {
    await db.close();
  }
}

const timer = setTimeout(() => {
  console.error(`demo: did not finish within ${demoTimeoutMs / 1000} s; killing the nodes`);
  for (const n of nodes) n.proc?.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
  process.exit(1);
}, demoTimeoutMs);

let code = 0;
try {
  await demo();
} catch (error) {
  code = 1;
  console.error(`demo: ${error instanceof Error ? error.message : String(error)}`);
  for (const n of nodes) if (n.stderr) console.error(`[${n.id} stderr] ${n.stderr.trim().split('\n').slice(-5).join('\n  ')}`);
}
await stopAll();
rmSync(dir, { recursive: true, force: true });
clearTimeout(timer);
say(code === 0 ? 'stopped the cluster and removed its data; demo done' : 'stopped the cluster and removed its data');
process.exit(code);
