/**
 * A lab of "machines" on a real network, for the multi-DC process test and
 * benchmark (issue 14): Linux network namespaces joined by veth pairs, a
 * router per DC and a WAN between the routers that delays every packet 20 ms
 * one way. Needs root, iproute2 (`ip`), python3 and /dev/net/tun;
 * `labUnavailable()` says why not when it cannot be built.
 *
 * Layout for D data centers (D = 1 or 2), all of it inside namespaces (the
 * host gets no address, no route, no device):
 *
 *   <prefix>-r<d>      DC d's router: a bridge `br0` at 10.77.<d>.254/24 and,
 *                      with two DCs, the TUN device `wan` (10.77.0.<d>/30)
 *                      with the route to the other DC.
 *   <prefix>-d<d>m<i>  machine i of DC d: `eth0` at 10.77.<d>.<i>/24 (a veth
 *                      whose peer is a port of br0), default route via the
 *                      router; `tc netem delay 0.2ms` on eth0 where the
 *                      kernel has sch_netem (`lanDelay` says whether it did).
 *
 * The WAN is wan-link.py, a user-space delay line between the two routers'
 * TUN devices (one process, `setns` into each): `tc netem` would do, but
 * kernels built without sch_netem (as some VM kernels are) have none, and the
 * delay line works on every kernel with TUN. So between DCs a packet takes
 * 20 ms one way (plus a Python loop's scheduling); inside a DC 0.2 ms with
 * netem, a veth's few microseconds without. `cut()` drops everything on the
 * WAN both ways (silent, like a real cut), `heal()` restores it.
 *
 * Invariants:
 *   1. Every namespace this lab creates is named `<prefix>-…` with prefix
 *      `rkv<pid>x<lab number>` (unique per lab); `destroy()` kills every process it started and every
 *      process in its namespaces and deletes them (their devices go with
 *      them), and `removeLeftovers()` does the same for labs of processes that
 *      no longer exist (a crashed earlier run).
 *   2. No command runs unbounded: each `ip`/`tc` call has a timeout.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const wanLinkScript = join(dirname(fileURLToPath(import.meta.url)), 'wan-link.py');

/** One way delay inside a DC (machine egress, where the kernel has netem). */
export const lanDelayMs = 0.2;
/** One way delay between DCs (the WAN delay line). */
export const wanDelayMs = 20;
/** Bound of the WAN delay line's start. */
const wanStartMsMax = 20_000;
/** Bound of one `ip` or `tc` command. */
const commandTimeoutMs = 20_000;
const namePattern = /^rkvp?(\d+)(x\d+)?(-|$)/;
let labs = 0;

function sh(cmd, args) {
  return execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', timeout: commandTimeoutMs });
}

function errorText(error) {
  const e = /** @type {{ stderr?: string; message?: string }} */ (error);
  return String(e.stderr || e.message || error).trim().split('\n')[0];
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return /** @type {{ code?: string }} */ (error).code === 'EPERM';
  }
}

/** Names of every network namespace. */
function namespaces() {
  return sh('ip', ['netns', 'list']).split('\n').map((l) => l.split(' ')[0]).filter((n) => n !== undefined && n !== '');
}

/** Kills every process inside namespace `ns` (SIGKILL), then deletes it. */
function removeNamespace(ns) {
  try {
    for (const pid of sh('ip', ['netns', 'pids', ns]).split(/\s+/).filter(Boolean)) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        // already gone
      }
    }
  } catch {
    // no such namespace
  }
  try {
    sh('ip', ['netns', 'del', ns]);
  } catch {
    // already deleted
  }
}

/** Deletes the namespaces of labs (and probes) whose process is gone (invariant 1). */
export function removeLeftovers() {
  let removed = 0;
  for (const ns of namespaces()) {
    const m = namePattern.exec(ns);
    if (m === null || Number(m[1]) === process.pid || alive(Number(m[1]))) continue;
    removeNamespace(ns);
    removed++;
  }
  return removed;
}

/**
 * Why a lab cannot be built here (not Linux, not root, no iproute2, no netem),
 * or undefined when it can: probes one namespace with a veth and a netem qdisc.
 */
export function labUnavailable() {
  if (process.platform !== 'linux') return `not Linux (${process.platform})`;
  if (process.getuid?.() !== 0) return 'not root (network namespaces need CAP_NET_ADMIN)';
  for (const [bin, arg] of [['ip', '-V'], ['python3', '--version']]) {
    try {
      sh(bin, [arg]);
    } catch (error) {
      return `no \`${bin}\`${bin === 'ip' ? ' (install iproute2)' : ''}: ${errorText(error)}`;
    }
  }
  if (!existsSync('/dev/net/tun')) return 'no /dev/net/tun (the WAN delay line needs TUN)';
  const ns = `rkvp${process.pid}`;
  try {
    removeLeftovers();
    sh('ip', ['netns', 'add', ns]);
    sh('ip', ['-n', ns, 'link', 'add', 'veth-a', 'type', 'veth', 'peer', 'name', 'veth-b']);
    sh('ip', ['-n', ns, 'link', 'add', 'br-probe', 'type', 'bridge']);
    sh('ip', ['-n', ns, 'tuntap', 'add', 'dev', 'wan', 'mode', 'tun']);
    return undefined;
  } catch (error) {
    return `cannot build a network namespace with a veth, a bridge and a TUN device: ${errorText(error)}`;
  } finally {
    removeNamespace(ns);
  }
}

/** A lab (module comment). */
export class NetLab {
  /**
   * @param {{ dcs: 1 | 2; machinesPerDc: number }} options
   */
  constructor(options) {
    if (options.dcs !== 1 && options.dcs !== 2) throw new Error(`a lab has 1 or 2 DCs, got ${options.dcs}`);
    if (!(options.machinesPerDc >= 1 && options.machinesPerDc <= 200)) throw new Error(`machinesPerDc must be in [1, 200]`);
    this.dcs = options.dcs;
    this.machinesPerDc = options.machinesPerDc;
    this.prefix = `rkv${process.pid}x${++labs}`;
    /** @type {string[]} */
    this.created = [];
    /** @type {import('node:child_process').ChildProcess[]} */
    this.children = [];
    /** Whether machines got the 0.2 ms netem delay (false: the kernel has no sch_netem). */
    this.lanDelay = true;
    /** @type {import('node:child_process').ChildProcess | undefined} */
    this.wan = undefined;
  }

  /** Namespace and address of machine `i` (1-based) of DC `d` (1-based). */
  machine(d, i) {
    return { ns: `${this.prefix}-d${d}m${i}`, address: `10.77.${d}.${i}` };
  }

  /** Every machine, DC by DC. */
  machines() {
    const out = [];
    for (let d = 1; d <= this.dcs; d++) for (let i = 1; i <= this.machinesPerDc; i++) out.push({ dc: d, index: i, ...this.machine(d, i) });
    return out;
  }

  router(d) {
    return `${this.prefix}-r${d}`;
  }

  addNamespace(ns) {
    sh('ip', ['netns', 'add', ns]);
    this.created.push(ns);
    sh('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
  }

  /** Builds the namespaces, links and delays (module comment); on failure removes what it made and rethrows. */
  async build() {
    removeLeftovers();
    try {
      for (let d = 1; d <= this.dcs; d++) {
        const r = this.router(d);
        this.addNamespace(r);
        sh('ip', ['-n', r, 'link', 'add', 'br0', 'type', 'bridge']);
        sh('ip', ['-n', r, 'addr', 'add', `10.77.${d}.254/24`, 'dev', 'br0']);
        sh('ip', ['-n', r, 'link', 'set', 'br0', 'up']);
        sh('ip', ['netns', 'exec', r, 'sysctl', '-qw', 'net.ipv4.ip_forward=1']);
        for (let i = 1; i <= this.machinesPerDc; i++) {
          const { ns, address } = this.machine(d, i);
          this.addNamespace(ns);
          sh('ip', ['link', 'add', 'eth0', 'netns', ns, 'type', 'veth', 'peer', 'name', `m${i}`, 'netns', r]);
          sh('ip', ['-n', r, 'link', 'set', `m${i}`, 'master', 'br0', 'up']);
          sh('ip', ['-n', ns, 'addr', 'add', `${address}/24`, 'dev', 'eth0']);
          sh('ip', ['-n', ns, 'link', 'set', 'eth0', 'up']);
          sh('ip', ['-n', ns, 'route', 'add', 'default', 'via', `10.77.${d}.254`]);
          if (this.lanDelay) {
            try {
              sh('tc', ['-n', ns, 'qdisc', 'add', 'dev', 'eth0', 'root', 'netem', 'delay', `${lanDelayMs}ms`]);
            } catch {
              this.lanDelay = false;
            }
          }
        }
      }
      if (this.dcs === 2) {
        for (const d of [1, 2]) {
          const r = this.router(d);
          sh('ip', ['-n', r, 'tuntap', 'add', 'dev', 'wan', 'mode', 'tun']);
          sh('ip', ['-n', r, 'addr', 'add', `10.77.0.${d}/30`, 'dev', 'wan']);
          sh('ip', ['-n', r, 'link', 'set', 'wan', 'up']);
          sh('ip', ['-n', r, 'route', 'add', `10.77.${3 - d}.0/24`, 'dev', 'wan']);
        }
        await this.startWan();
      }
    } catch (error) {
      this.destroy();
      throw error;
    }
  }

  /** Starts the WAN delay line and waits for its `ready` (bounded). */
  async startWan() {
    const wan = spawn('python3', [wanLinkScript, this.router(1), this.router(2), String(wanDelayMs)], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.children.push(wan);
    this.wan = wan;
    let out = '';
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the WAN delay line did not start within ${wanStartMsMax} ms: ${out}`)), wanStartMsMax);
      const seen = (c) => {
        out += c.toString();
        if (out.includes('ready')) {
          clearTimeout(timer);
          resolve(undefined);
        }
      };
      wan.stdout.on('data', seen);
      wan.stderr.on('data', (c) => (out += c.toString()));
      wan.on('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`the WAN delay line exited with ${code}: ${out}`));
      });
    });
  }

  /** IP bytes and packets the WAN carried so far, both ways (headers included). */
  async wanTraffic() {
    const wan = this.wan;
    if (wan === undefined || wan.exitCode !== null) throw new Error('the lab has no running WAN');
    return new Promise((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => {
        wan.stdout.off('data', seen);
        reject(new Error(`the WAN delay line did not report its traffic within ${wanStartMsMax} ms`));
      }, wanStartMsMax);
      const seen = (c) => {
        out += c.toString();
        const m = /bytes (\d+) packets (\d+)/.exec(out);
        if (m === null) return;
        clearTimeout(timer);
        wan.stdout.off('data', seen);
        resolve({ bytes: Number(m[1]), packets: Number(m[2]) });
      };
      wan.stdout.on('data', seen);
      wan.kill('SIGHUP');
    });
  }

  wanSignal(signal) {
    if (this.wan === undefined || this.wan.exitCode !== null) throw new Error('the lab has no running WAN');
    this.wan.kill(signal);
  }

  /** The WAN drops every packet both ways (a silent cut). */
  cut() {
    this.wanSignal('SIGUSR1');
  }

  /** The WAN carries packets again. */
  heal() {
    this.wanSignal('SIGUSR2');
  }

  /**
   * Spawns `command …args` inside namespace `ns` (`ip netns exec`, which execs
   * it: the child's pid is the command's); killed by `destroy` if still running.
   * @param {string} ns
   * @param {string} command
   * @param {readonly string[]} args
   * @param {import('node:child_process').SpawnOptions} [options]
   */
  spawnIn(ns, command, args, options = {}) {
    const child = spawn('ip', ['netns', 'exec', ns, command, ...args], { stdio: ['ignore', 'pipe', 'pipe'], ...options });
    this.children.push(child);
    return child;
  }

  /** Kills every process it spawned and every process left in its namespaces, and deletes the namespaces (invariant 1). */
  destroy() {
    for (const child of this.children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    for (const ns of this.created.reverse()) removeNamespace(ns);
    this.created = [];
    for (const ns of namespaces()) if (ns.startsWith(`${this.prefix}-`)) removeNamespace(ns);
  }
}
