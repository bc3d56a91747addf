/**
 * A ringkv cluster of real `ringkv start` processes on a NetLab's machines
 * (netns-lab.mjs), one node per machine, bound to the machine's own address,
 * and clients (netns-agent.mjs) inside the DCs. Shared by the multi-DC
 * process test and the benchmark (bench/dc-latency.mjs).
 *
 * Nodes: id `d<d>m<i>`, `--dc dc<d> --machine d<d>m<i>`, port 7000, the
 * replication map given, a cluster secret and an auth token (a node bound to
 * a non-loopback address needs one); `--allow-insecure-public-bind` as well
 * when this CLI knows the flag. Every wait is bounded and names what it
 * waited for; `stop` kills everything it started.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
/** The built CLI. */
export const cli = join(here, '..', '..', 'dist', 'cli.js');
const agentScript = join(here, 'netns-agent.mjs');
const port = 7000;
/** Bound of a node's start (ready line) and of one agent request, generous: the machine is shared. */
export const startMsMax = 60_000;
export const requestMsMax = 180_000;

/** The environment of every process: no RINGKV_* setting of the caller's leaks in. */
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('RINGKV_')));

/** True when `ringkv start --help` lists `--allow-insecure-public-bind`. */
function knowsInsecureBindFlag() {
  return execFileSync(process.execPath, [cli, 'start', '--help'], { encoding: 'utf8', env, timeout: 60_000 }).includes('--allow-insecure-public-bind');
}

/** Polls `check` every 250 ms until true, at most `limitMs`; the failure names `what` and the last `views()`. */
export async function until(what, limitMs, check, views = () => '') {
  const deadline = Date.now() + limitMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${limitMs} ms waiting for ${what}: ${JSON.stringify(await views())}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** A client inside a machine's namespace (netns-agent.mjs). */
export class Agent {
  constructor(child) {
    this.child = child;
    this.next = 1;
    this.waiting = new Map();
    this.buffer = '';
    this.err = '';
    this.ready = new Promise((resolve, reject) => {
      this.readyResolve = resolve;
      child.on('exit', (code) => {
        const e = new Error(`agent exited with ${code}: ${this.err}`);
        reject(e);
        for (const w of this.waiting.values()) w.reject(e);
        this.waiting.clear();
      });
    });
    child.stderr.on('data', (c) => (this.err += c.toString()));
    child.stdout.on('data', (c) => {
      this.buffer += c.toString();
      let nl;
      while ((nl = this.buffer.indexOf('\n')) >= 0) {
        const m = JSON.parse(this.buffer.slice(0, nl));
        this.buffer = this.buffer.slice(nl + 1);
        if (m.ready === true) this.readyResolve();
        const w = this.waiting.get(m.id);
        if (w === undefined) continue;
        this.waiting.delete(m.id);
        clearTimeout(w.timer);
        if (m.error !== undefined) w.reject(new Error(`agent: ${m.error}`));
        else w.resolve(m);
      }
    });
  }

  /** Sends one request; rejects after `requestMsMax` (no request hangs). */
  request(body) {
    const id = this.next++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new Error(`agent request ${JSON.stringify(body).slice(0, 200)} got no answer within ${requestMsMax} ms`));
      }, requestMsMax);
      this.waiting.set(id, { resolve, reject, timer });
      this.child.stdin.write(`${JSON.stringify({ id, ...body })}\n`);
    });
  }

  /** Writes every key (value = key) at `w`; resolves with acked keys, errors and latencies. */
  put(keys, w, concurrency = 4) {
    return this.request({ op: 'put', keys, w: String(w), concurrency });
  }

  /** Reads every key at `r`; `found` lists the keys whose value was among the siblings. */
  get(keys, r, concurrency = 4) {
    return this.request({ op: 'get', keys, r: String(r), concurrency });
  }

  /** An HTTP request from inside the namespace, with the token. */
  http(method, url) {
    return this.request({ op: 'http', method, url });
  }

  close() {
    this.child.stdin.end();
  }
}

/** Nodes on a lab's machines (module comment). */
export class LabCluster {
  /**
   * @param {import('./netns-lab.mjs').NetLab} lab
   * @param {{ replicas: string; r: number; w: number; extra?: readonly string[] }} options
   */
  constructor(lab, options) {
    this.lab = lab;
    this.options = options;
    this.dir = mkdtempSync(join(tmpdir(), 'ringkv-netns-'));
    this.secret = `secret-${process.pid}-${Date.now()}`;
    this.token = `token-${process.pid}-${Date.now()}`;
    this.insecureFlag = knowsInsecureBindFlag() ? ['--allow-insecure-public-bind'] : [];
    /** @type {Map<string, { proc: import('node:child_process').ChildProcess; out: () => string; exited: Promise<number | null> }>} */
    this.nodes = new Map();
    /** @type {Agent[]} */
    this.agents = [];
  }

  id(d, i) {
    return `d${d}m${i}`;
  }

  url(d, i) {
    return `ws://${this.lab.machine(d, i).address}:${port}`;
  }

  httpUrl(d, i) {
    return `http://${this.lab.machine(d, i).address}:${port}`;
  }

  /** Starts the node of machine (d, i) with `extra` flags; resolves at its ready line, rejects if it exits first or after `startMsMax`. */
  startNode(d, i, extra = []) {
    const { ns, address } = this.lab.machine(d, i);
    const id = this.id(d, i);
    const seeds = d === 1 && i === 1 ? [] : ['--seeds', `${this.lab.machine(1, 1).address}:${port}`];
    const args = [
      cli, 'start', '--id', id, '--host', address, '--port', String(port), '--data', join(this.dir, id), '--dc', `dc${d}`, '--machine', id,
      '--replicas', this.options.replicas, '--r', String(this.options.r), '--w', String(this.options.w), '--cluster-secret', this.secret, '--auth-token', this.token,
      '--log-level', 'warn', '--log-format', 'json', '--durability', 'none', ...this.insecureFlag, ...seeds, ...(this.options.extra ?? []), ...extra,
    ];
    const proc = this.lab.spawnIn(ns, process.execPath, args, { env });
    let out = '';
    proc.stdout.on('data', (c) => (out += c.toString()));
    proc.stderr.on('data', (c) => (out += c.toString()));
    const exited = new Promise((resolve) => proc.on('exit', (code) => resolve(code)));
    this.nodes.set(id, { proc, out: () => out, exited });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${id} printed no ready line within ${startMsMax} ms: ${out}`)), startMsMax);
      proc.stdout.on('data', () => {
        if (/ready url=ws:\/\/\S+/.test(out)) {
          clearTimeout(timer);
          resolve(id);
        }
      });
      void exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`${id} exited with ${code} before it was ready: ${out}`));
      });
    });
  }

  /** Starts every machine's node: the first one, then the others at once. */
  async startAll() {
    await this.startNode(1, 1);
    await Promise.all(this.lab.machines().filter((m) => !(m.dc === 1 && m.index === 1)).map((m) => this.startNode(m.dc, m.index)));
  }

  /** Runs `ringkv …args` once inside machine (d, i)'s namespace, as an operator there would; resolves with its exit code and output. */
  cli(d, i, args) {
    return new Promise((resolve) => {
      execFile('ip', ['netns', 'exec', this.lab.machine(d, i).ns, process.execPath, cli, ...args], { env, timeout: requestMsMax }, (error, stdout, stderr) => {
        resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : null, stdout, stderr });
      });
    });
  }

  /** SIGKILLs the nodes of DC `d` (a whole DC lost) and waits for their exits. */
  async killDc(d) {
    const dead = [];
    for (let i = 1; i <= this.lab.machinesPerDc; i++) {
      const node = this.nodes.get(this.id(d, i));
      if (node === undefined || node.proc.exitCode !== null || node.proc.signalCode !== null) continue;
      node.proc.kill('SIGKILL');
      dead.push(node.exited);
    }
    await Promise.all(dead);
  }

  /** Restarts the nodes of DC `d` on their data directories. */
  async restartDc(d) {
    await Promise.all(Array.from({ length: this.lab.machinesPerDc }, (_, k) => this.startNode(d, k + 1)));
  }

  /** A client in machine (d, i)'s namespace, connected to that machine's node. */
  async agent(d, i) {
    const child = this.lab.spawnIn(this.lab.machine(d, i).ns, process.execPath, [agentScript, this.url(d, i), this.token], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    const agent = new Agent(child);
    this.agents.push(agent);
    const timer = setTimeout(() => child.kill('SIGKILL'), startMsMax);
    try {
      await agent.ready;
    } finally {
      clearTimeout(timer);
    }
    return agent;
  }

  /** /status of node (d, i) through `agent`, or undefined when it does not answer. */
  async status(agent, d, i) {
    try {
      const res = await agent.http('GET', `${this.httpUrl(d, i)}/status`);
      return res.status === 200 ? JSON.parse(res.text) : undefined;
    } catch {
      return undefined;
    }
  }

  /** Waits until every node of `machines` (default: all) sees each of them up and normal (through `agent`, which must reach them all). */
  async waitAllUp(agent, limitMs = 120_000, machines = this.lab.machines()) {
    const total = machines.length;
    const views = async () => Promise.all(machines.map(async (m) => ({ id: this.id(m.dc, m.index), cluster: (await this.status(agent, m.dc, m.index))?.cluster })));
    await until(`every node to see ${total} members up and normal`, limitMs, async () => {
      const all = await views();
      return all.every((v) => v.cluster !== undefined && v.cluster.members?.length === total && (v.cluster.down?.length ?? 0) === 0 && v.cluster.members.every((m) => m.status === 'normal'));
    }, views);
  }

  /**
   * One anti-entropy pass on node (d, i) (`POST /repair`, what `ringkv repair`
   * does); resolves with its summary.
   */
  async repair(agent, d, i) {
    const res = await agent.http('POST', `${this.httpUrl(d, i)}/repair`);
    if (res.status !== 200) throw new Error(`repair on ${this.id(d, i)}: HTTP ${res.status} ${res.text}`);
    const summary = res.text.trim().split('\n').map((l) => JSON.parse(l)).find((m) => m.summary !== undefined)?.summary;
    if (summary === undefined) throw new Error(`repair on ${this.id(d, i)}: no summary in ${res.text.slice(0, 500)}`);
    return summary;
  }

  /**
   * Waits until the replicas agree: no node holds a hint, then one repair
   * pass on every node (through `agent`) in which no pair of replicas
   * differs in any Merkle bucket and no exchange failed. Passes repeat (a
   * pass repairs what it finds) until one such round or `limitMs`; resolves
   * with the rounds run.
   */
  async converge(agent, limitMs = 120_000) {
    const machines = this.lab.machines();
    const hints = async () => Promise.all(machines.map(async (m) => ({ id: this.id(m.dc, m.index), hintsPending: (await this.status(agent, m.dc, m.index))?.cluster?.hintsPending })));
    await until('every node to hand off its hints', limitMs, async () => (await hints()).every((h) => h.hintsPending !== undefined && Object.values(h.hintsPending).every((n) => n === 0)), hints);
    let rounds = 0;
    let last = [];
    await until('a repair round in which no replica pair differs', limitMs, async () => {
      rounds++;
      last = [];
      for (const m of machines) last.push({ id: this.id(m.dc, m.index), ...(await this.repair(agent, m.dc, m.index)) });
      return last.every((s) => s.rangesCompared > 0 && s.bucketsDiffering === 0 && s.exchangesFailed === 0 && s.failures.length === 0);
    }, () => last);
    return rounds;
  }

  /** Node output for a failure message. */
  logs() {
    return [...this.nodes].map(([id, n]) => `--- ${id}\n${n.out().slice(-2_000)}`).join('\n');
  }

  /** Kills agents and nodes, removes the data directory. */
  async stop() {
    for (const a of this.agents) a.child.kill('SIGKILL');
    for (const n of this.nodes.values()) if (n.proc.exitCode === null && n.proc.signalCode === null) n.proc.kill('SIGKILL');
    await Promise.all([...this.nodes.values()].map((n) => n.exited));
    rmSync(this.dir, { recursive: true, force: true });
  }
}
