import { describe, expect, it } from 'vitest';
import { DashboardSampler, type SampledMember, type SamplerPorts } from './dashboard-sampler.js';

/** A member's /status and /metrics as a fake node would serve them. */
interface FakeNode {
  ok: number;
  failed: number;
  /** Observations by bucket upper bound (seconds), not cumulative. */
  latency: Map<number, number>;
  down?: boolean;
}

const bounds = [0.001, 0.01, 0.1];

function metricsOf(n: FakeNode): string {
  let cumulative = 0;
  const lines = bounds.map((le) => {
    cumulative += n.latency.get(le) ?? 0;
    return `ringkv_request_duration_seconds_bucket{node="x",op="get",le="${le}"} ${cumulative}`;
  });
  lines.push(`ringkv_request_duration_seconds_bucket{node="x",op="get",le="+Inf"} ${cumulative}`);
  lines.push(`ringkv_request_duration_seconds_bucket{node="x",op="ring",le="+Inf"} 1000`);
  return lines.join('\n');
}

function harness(members: SampledMember[], nodes: Map<string, FakeNode>) {
  let now = 1_000_000;
  const timers: (() => void)[] = [];
  const ports: SamplerPorts = {
    selfId: 'a',
    members: () => members,
    ring: () => ({ version: 1, members: [] }),
    fetchText: async (url) => {
      const { host, pathname } = new URL(url);
      const id = host.split('.')[0] as string;
      const n = nodes.get(id);
      if (n === undefined || n.down === true) throw new Error(`${url}: connection refused`);
      if (pathname === '/status') return JSON.stringify({ state: 'serving', uptimeMs: 5, requests: { get: { ok: n.ok, error: n.failed }, ring: { ok: 99, error: 0 } }, cluster: { hintsPending: { b: 2 } }, store: { keys: 3 } });
      if (pathname === '/metrics') return metricsOf(n);
      if (pathname === '/dashboard/node') return JSON.stringify({ id, actor: `${id}#e1` });
      throw new Error(`unexpected ${url}`);
    },
    nowMs: () => now,
    setTimer: (fn) => {
      timers.push(fn);
      return () => timers.splice(timers.indexOf(fn), 1);
    },
    stopping: () => false,
  };
  return { sampler: new DashboardSampler(ports), advance: (ms: number) => (now += ms), timers };
}

const member = (id: string, generation = 1): SampledMember => ({ id, address: `ws://${id}.test:7000`, status: 'normal', generation });

describe('DashboardSampler', () => {
  it('turns two readings into ops/s, errors/s and latency quantiles over the interval', async () => {
    const a: FakeNode = { ok: 100, failed: 0, latency: new Map([[0.001, 100]]) };
    const { sampler, advance } = harness([member('a')], new Map([['a', a]]));
    const first = (await sampler.sample()).nodes[0]!;
    expect(first).toMatchObject({ reachable: true, requests: 100, opsPerSec: undefined, p99Ms: undefined, actor: 'a#e1' });
    a.ok += 180;
    a.failed += 20;
    a.latency.set(0.01, 200); // every request of the interval took 1–10 ms
    advance(2_000);
    const second = (await sampler.sample()).nodes[0]!;
    if (!second.reachable) throw new Error('a should be reachable');
    expect(second.opsPerSec).toBe(100);
    expect(second.errorsPerSec).toBe(10);
    expect(second.p50Ms).toBeCloseTo(5.5, 6);
    expect(second.p99Ms).toBeCloseTo(9.91, 6);
    expect(second.hintsPending).toEqual({ b: 2 });
  });

  it('reports a member that does not answer as unreachable with its error, and keeps the others', async () => {
    const nodes = new Map<string, FakeNode>([['a', { ok: 1, failed: 0, latency: new Map() }], ['b', { ok: 1, failed: 0, latency: new Map(), down: true }]]);
    const { sampler } = harness([member('a'), member('b')], nodes);
    const sample = await sampler.sample();
    expect(sample.nodes.map((n) => [n.id, n.reachable])).toEqual([['a', true], ['b', false]]);
    expect(sample.nodes[1]).toMatchObject({ error: expect.stringContaining('connection refused') });
    expect(sample.cluster).toEqual({ hintsPending: { b: 2 } });
  });

  it('gives no rates across a restart (a new generation), then rates again', async () => {
    const a: FakeNode = { ok: 500, failed: 0, latency: new Map() };
    const members = [member('a', 1)];
    const { sampler, advance } = harness(members, new Map([['a', a]]));
    await sampler.sample();
    members[0] = member('a', 2);
    a.ok = 10;
    advance(1_000);
    expect((await sampler.sample()).nodes[0]).toMatchObject({ opsPerSec: undefined });
    a.ok = 30;
    advance(1_000);
    expect((await sampler.sample()).nodes[0]).toMatchObject({ opsPerSec: 20 });
  });

  it('runs only while it has listeners: the first subscriber starts it, the last one leaving stops its timer', async () => {
    const { sampler, timers } = harness([member('a')], new Map([['a', { ok: 1, failed: 0, latency: new Map() }]]));
    const got: number[] = [];
    const off = sampler.subscribe((s) => got.push(s.atMs));
    await new Promise((r) => setTimeout(r, 0));
    await new Promise((r) => setTimeout(r, 0));
    expect(got).toHaveLength(1);
    expect(timers).toHaveLength(1);
    const late: number[] = [];
    const offLate = sampler.subscribe((s) => late.push(s.atMs));
    expect(late).toEqual(got); // the last sample at once
    off();
    expect(timers).toHaveLength(1);
    offLate();
    expect(timers).toHaveLength(0);
    expect(sampler.listenerCount).toBe(0);
    expect(sampler.last).toBeUndefined(); // a later first subscriber gets no stale sample
  });

  it('runs one chain of ticks when a stream closes and another opens while a tick is reading', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    const { sampler, timers } = harness([member('a')], new Map([['a', { ok: 1, failed: 0, latency: new Map() }]]));
    const ports = (sampler as unknown as { ports: SamplerPorts }).ports;
    const fetchText = ports.fetchText;
    (ports as { fetchText: SamplerPorts['fetchText'] }).fetchText = async (url) => {
      await gate;
      return fetchText(url);
    };
    const got: number[] = [];
    sampler.subscribe(() => got.push(1))(); // first tick now waits on the gate, with nobody listening
    sampler.subscribe((s) => got.push(s.atMs));
    release();
    for (let i = 0; i < 5; i++) await new Promise((r) => setTimeout(r, 0));
    expect(got).toHaveLength(1);
    expect(timers).toHaveLength(1);
  });

  it('skips a sample when reading the node itself fails, and keeps ticking', async () => {
    const { sampler, timers } = harness([member('a')], new Map([['a', { ok: 1, failed: 0, latency: new Map() }]]));
    const ports = (sampler as unknown as { ports: SamplerPorts }).ports;
    (ports as { ring: SamplerPorts['ring'] }).ring = () => {
      throw new Error('ring view broken');
    };
    const got: unknown[] = [];
    sampler.subscribe((s) => got.push(s));
    for (let i = 0; i < 5; i++) await new Promise((r) => setTimeout(r, 0));
    expect(got).toEqual([]);
    expect(timers).toHaveLength(1);
  });
});
