/** `ringkv bench` (in process) against a real node started in this process. */

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNode, type RingkvNode } from '@ringkv/node-server';
import { connect } from '@ringkv/client-sdk';
import { main, parseCommand, runBench, type BenchCommand, type Io } from '../src/index.js';

let dir: string;
let node: RingkvNode;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ringkv-bench-'));
  node = await startNode({ id: 'bench', port: 0, dataDir: dir, durability: 'none', logLevel: 'silent' });
});
afterAll(async () => {
  await node?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function capture(): Io & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, env: {}, stdout: (l) => out.push(l), stderr: (l) => err.push(l) };
}

describe('ringkv bench', () => {
  it('runs exactly --ops operations over clients × in-flight and splits them by the mix', async () => {
    const command = parseCommand(['bench', '--url', node.url, '-c', '3', '-P', '4', '-n', '600', '--mix', '50/50', '-d', '16', '-r', '50']) as BenchCommand;
    const result = await runBench(command, capture());
    expect(result.errors, JSON.stringify(result)).toBe(0);
    expect(result.all.count).toBe(600);
    expect(result.get.count + result.put.count).toBe(600);
    expect(result.get.count).toBeGreaterThan(0);
    expect(result.put.count).toBeGreaterThan(0);
    expect(result.all.p50Ms).toBeLessThanOrEqual(result.all.p99Ms);
    expect(result.all.p99Ms).toBeLessThanOrEqual(result.all.p999Ms);
    expect(result.all.p999Ms).toBeLessThanOrEqual(result.all.maxMs);
  });

  it('reports the client CPU and, from the node /status, its CPU per operation, event-loop delay and GC', async () => {
    const command = parseCommand(['bench', '--url', node.url, '-c', '2', '-P', '2', '-n', '400', '-d', '16', '-r', '50']) as BenchCommand;
    const result = await runBench(command, capture());
    expect(result.clientCpuUsPerOp).toBeGreaterThan(0);
    expect(result.nodes).toHaveLength(1);
    // Node and bench share this process here, so the node's figure is the process's CPU per operation.
    expect(result.nodes[0]?.cpuUsPerOp).toBeGreaterThan(0);
    expect(result.nodes[0]?.gcPauses).toBeGreaterThanOrEqual(0);
    expect(result.nodes[0]?.eventLoopDelayMaxMs).toBeGreaterThanOrEqual(result.nodes[0]?.eventLoopDelayP99Ms ?? Infinity);
  });

  it('--rate runs an open loop: every operation is started on schedule and counted, latency from its intended start', async () => {
    const command = parseCommand(['bench', '--url', node.url, '-c', '2', '-P', '8', '--rate', '2000', '-n', '300', '-d', '16', '-r', '50']) as BenchCommand;
    expect(command.ratePerSec).toBe(2000);
    const result = await runBench(command, capture());
    expect(result.errors).toBe(0);
    expect(result.all.count).toBe(300);
    expect(result.ratePerSec).toBe(2000);
  });

  it('--workload runs a load phase of -r records, then the YCSB mix, counted per operation kind', async () => {
    const command = parseCommand(['bench', '--url', node.url, '-c', '2', '-P', '4', '-n', '400', '-d', '16', '-r', '60', '--workload', 'f']) as BenchCommand;
    const result = await runBench(command, capture());
    expect(result.errors, JSON.stringify(result)).toBe(0);
    expect(result.workload?.load.count).toBe(60);
    expect(result.all.count).toBe(400);
    expect(Object.keys(result.workload?.ops ?? {}).sort()).toEqual(['read', 'rmw']);
    expect((result.workload?.ops.read?.count ?? 0) + (result.workload?.ops.rmw?.count ?? 0)).toBe(400);
    // Every record exists after the load phase: a read finds it.
    const db = await connect(node.url);
    expect((await db.get('user59')).found).toBe(true);
    await db.close();
  });

  it('--workload refuses an unknown letter and --mix beside it', () => {
    expect(() => parseCommand(['bench', '--workload', 'g'])).toThrow(/workload/);
    expect(() => parseCommand(['bench', '--workload', 'a', '--mix', '50/50'])).toThrow(/not both/);
  });

  it('--rate refuses 0 and non-numbers with a usage error', () => {
    expect(() => parseCommand(['bench', '--rate', '0'])).toThrow(/rate/);
    expect(() => parseCommand(['bench', '--rate', 'fast'])).toThrow(/rate/);
  });

  it('prints a table through main and exits 0', async () => {
    const io = capture();
    const code = await main(['bench', '--url', node.url, '-c', '2', '-n', '100', '--mix', '100/0'], io);
    expect(code).toBe(0);
    const text = io.out.join('\n');
    expect(text).toMatch(/2 clients × 1 in flight/);
    expect(text).toMatch(/^all\s+100\s/m);
    expect(text).toMatch(/^put\s+0\s/m);
  });

  it('an unreachable node is one line on stderr and exit 1', async () => {
    const io = capture();
    const port = Number(new URL(node.url).port) === 1 ? 2 : 1;
    const code = await main(['bench', '--url', `ws://127.0.0.1:${port}`, '-c', '1', '-n', '1'], io);
    expect(code).toBe(1);
    expect(io.err).toHaveLength(1);
    expect(io.err[0]).toMatch(/^ringkv: cannot reach/);
  });
});
