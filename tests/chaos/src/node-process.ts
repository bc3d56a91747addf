/**
 * A ringkv node in a child process (`node-main.js`, which calls
 * node-server's `startNode`), and the registry that guarantees no child
 * outlives the run.
 *
 * Concurrency model: child process events on the event loop.
 *
 * Invariants:
 *   1. Every spawned child is in `liveChildren` until it exited;
 *      `killAllChildren()` SIGKILLs them synchronously (it is safe in an
 *      `exit` handler), paused ones included (SIGKILL ends a stopped process).
 *   2. A child whose parent died sees its stdin close and exits
 *      (node-main), so even a crashed runner leaves no running node.
 *   3. `start()` resolves once the node printed its ready line, or rejects
 *      (`node-failed`) after `nodeStartTimeoutMs` with the child killed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NodeDisk } from './disk.js';
import { ChaosError } from './errors.js';
import * as L from './limits.js';

const liveChildren = new Set<ChildProcess>();

/** SIGKILLs every child still alive (synchronous; for exit and signal handlers). */
export function killAllChildren(): number {
  let n = 0;
  for (const child of liveChildren) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      n++;
    }
  }
  return n;
}

/** Children not yet exited (tests check that a run leaves none). */
export function liveChildCount(): number {
  return liveChildren.size;
}

/**
 * The script a node child runs: the built `node-main.js` beside this module,
 * or the package's `dist/` one when this module runs from its TypeScript
 * source (vitest).
 */
export const nodeMainPath = ((): string => {
  const here = dirname(fileURLToPath(import.meta.url));
  const beside = join(here, 'node-main.js');
  return existsSync(beside) ? beside : join(here, '..', 'dist', 'node-main.js');
})();

/** How to start one node (passed to node-server's `startNode` as JSON). */
export interface NodeSpec {
  readonly id: string;
  /** The node's own address (the proxy forwards to it). */
  readonly host: string;
  readonly port: number;
  readonly dataDir: string;
  /** Where the child's stderr (its pino log) goes, appended. */
  readonly logFile: string;
  /** When set, the data directory is its own tmpfs disk of this size (the `disk-full` fault, disk.ts). */
  readonly diskBytes?: number;
  /** The rest of node-server's `NodeOptions` (seeds, advertiseUrl, n, r, w, …), JSON-safe. */
  readonly options: Readonly<Record<string, unknown>>;
}

/** One node process: start, SIGKILL, SIGSTOP/SIGCONT, graceful stop; restartable. */
export class NodeProcess {
  private child: ChildProcess | undefined;
  private paused = false;
  /** Exits the runner did not cause (a crash): the run reports them. */
  unexpectedExits = 0;

  /** The node's own disk, if it has one (`spec.diskBytes`). */
  readonly disk: NodeDisk | undefined;

  constructor(readonly spec: NodeSpec) {
    this.disk = spec.diskBytes === undefined ? undefined : new NodeDisk(spec.dataDir, spec.diskBytes);
  }

  /** True while a child runs (paused or not). */
  get running(): boolean {
    return this.child !== undefined;
  }

  /** True between `pause()` and `resume()` (or the process's end). */
  get isPaused(): boolean {
    return this.paused;
  }

  /** `http://host:port` of the node itself, bypassing its proxy (for /status and /repair). */
  get httpUrl(): string {
    return `http://${this.spec.host}:${this.spec.port}`;
  }

  /** Spawns the node and waits for its ready line (invariant 3). */
  async start(): Promise<void> {
    if (this.child !== undefined) return;
    this.disk?.mount();
    const log = openSync(this.spec.logFile, 'a');
    const options = { id: this.spec.id, host: this.spec.host, port: this.spec.port, dataDir: this.spec.dataDir, ...this.spec.options };
    const child = spawn(process.execPath, [nodeMainPath, JSON.stringify(options)], { stdio: ['pipe', 'pipe', log] });
    closeSync(log);
    liveChildren.add(child);
    this.child = child;
    this.paused = false;
    child.once('exit', () => {
      liveChildren.delete(child);
      if (this.child === child) {
        this.child = undefined;
        this.unexpectedExits++;
      }
    });
    await this.ready(child);
  }

  /** SIGKILL; resolves once the process is gone. */
  async kill(): Promise<void> {
    const child = this.child;
    if (child === undefined) return;
    this.child = undefined;
    this.paused = false;
    await signalAndWait(child, 'SIGKILL');
  }

  /** Deletes the data directory of a node that is not running (a lost disk). */
  wipe(): void {
    if (this.child !== undefined) throw new Error(`chaos: wipe of ${this.spec.id} while it runs`);
    if (this.disk !== undefined) this.disk.clear();
    else rmSync(this.spec.dataDir, { recursive: true, force: true });
  }

  /** SIGSTOP: the process keeps its sockets but runs nothing. */
  pause(): void {
    if (this.child === undefined || this.paused) return;
    this.child.kill('SIGSTOP');
    this.paused = true;
  }

  /** SIGCONT after `pause()`. */
  resume(): void {
    if (this.child === undefined || !this.paused) return;
    this.child.kill('SIGCONT');
    this.paused = false;
  }

  /** Graceful stop (SIGTERM), SIGKILL after `nodeStopTimeoutMs`. */
  async stop(): Promise<void> {
    const child = this.child;
    if (child === undefined) return;
    this.resume();
    this.child = undefined;
    const timer = setTimeout(() => child.kill('SIGKILL'), L.nodeStopTimeoutMs);
    await signalAndWait(child, 'SIGTERM');
    clearTimeout(timer);
  }

  private ready(child: ChildProcess): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let out = '';
      const fail = (why: string): void => {
        clearTimeout(timer);
        child.kill('SIGKILL');
        if (this.child === child) this.child = undefined;
        reject(new ChaosError('node-failed', `node ${this.spec.id} ${why} (log: ${this.spec.logFile})`));
      };
      const timer = setTimeout(() => fail(`did not start within ${L.nodeStartTimeoutMs} ms`), L.nodeStartTimeoutMs);
      child.stdout?.on('data', (d: Buffer) => {
        out += d.toString();
        if (!out.includes('\n')) return;
        clearTimeout(timer);
        child.removeListener('exit', onExit);
        resolve();
      });
      const onExit = (code: number | null): void => fail(`exited during start (code ${code})`);
      child.once('exit', onExit);
    });
  }
}

function signalAndWait(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  return new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill(signal);
  });
}
