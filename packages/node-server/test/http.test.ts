import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RingkvNode } from '../src/index.js';
import { connect, open } from './support/client.js';
import { removeTempDirs, startTestNode } from './support/node.js';

let node: RingkvNode;

beforeAll(async () => {
  node = await startTestNode({ id: 'web-1' });
});

afterAll(async () => {
  await node.stop();
  removeTempDirs();
});

/** Parses Prometheus text into `name{labels}` → value. */
function parseMetrics(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$/.exec(line);
    expect(m, `not a sample line: ${line}`).not.toBeNull();
    out.set(`${m![1]}${m![2] ?? ''}`, Number(m![3]));
  }
  return out;
}

function sample(metrics: Map<string, number>, name: string, labels: string): number {
  return metrics.get(`${name}{node="web-1"${labels === '' ? '' : `,${labels}`}}`) ?? Number.NaN;
}

describe('HTTP endpoints', () => {
  it('/health answers ok with the node id', async () => {
    const res = await fetch(`${node.httpUrl}/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok', id: 'web-1' });
  });

  it('/status reports id, uptime, connections, request counts and storage stats', async () => {
    const c = await connect(node.url);
    await c.request({ type: 'put', key: 'a', value: new Uint8Array([1]) });
    await c.request({ type: 'get', key: 'a' });
    const status = (await (await fetch(`${node.httpUrl}/status`)).json()) as Record<string, any>;
    expect(status.id).toBe('web-1');
    expect(status.uptimeMs).toBeGreaterThanOrEqual(0);
    expect(status.connections.open).toBe(1);
    expect(status.requests.put.ok).toBeGreaterThanOrEqual(1);
    expect(status.requests.get.ok).toBeGreaterThanOrEqual(1);
    expect(status.storage).toBeTypeOf('object');
    await c.close();
  });

  it('/metrics is Prometheus text whose counters move with requests and errors', async () => {
    const before = parseMetrics(await (await fetch(`${node.httpUrl}/metrics`)).text());
    const c = await connect(node.url);
    for (let i = 0; i < 5; i++) await c.request({ type: 'put', key: `m${i}`, value: new Uint8Array([i]) });
    await c.request({ type: 'get', key: 'm1' });
    await c.request({ type: 'put', key: 'm', value: new Uint8Array([1]), context: new Uint8Array([7, 7]) });
    const res = await fetch(`${node.httpUrl}/metrics`);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const after = parseMetrics(await res.text());
    const delta = (name: string, labels: string): number => sample(after, name, labels) - (Number.isNaN(sample(before, name, labels)) ? 0 : sample(before, name, labels));
    expect(delta('ringkv_requests_total', 'op="put",outcome="ok"')).toBe(5);
    expect(delta('ringkv_requests_total', 'op="get",outcome="ok"')).toBe(1);
    expect(delta('ringkv_requests_total', 'op="put",outcome="error"')).toBe(1);
    expect(delta('ringkv_errors_total', 'code="invalid-message"')).toBe(1);
    expect(delta('ringkv_request_duration_seconds_count', 'op="put"')).toBe(6);
    expect(sample(after, 'ringkv_request_duration_seconds_bucket', 'op="put",le="+Inf"')).toBe(sample(after, 'ringkv_request_duration_seconds_count', 'op="put"'));
    expect(sample(after, 'ringkv_connections', '')).toBe(1);
    expect(after.has('ringkv_storage_memtable_bytes{node="web-1"}')).toBe(true);
    await c.close();
  });

  it('/status runtime and /metrics show a stall of the event loop and count GC pauses', async () => {
    // Block the loop for a while: the delay sampler must see a late timer of about that length.
    const until = performance.now() + 60;
    while (performance.now() < until) {
      // busy on purpose
    }
    await new Promise((resolve) => setTimeout(resolve, 30));
    const status = (await (await fetch(`${node.httpUrl}/status`)).json()) as Record<string, any>;
    expect(status.runtime.eventLoopDelay.samples).toBeGreaterThan(0);
    expect(status.runtime.eventLoopDelay.maxMs).toBeGreaterThanOrEqual(40);
    expect(status.runtime.cpuUserMs).toBeGreaterThan(0);
    expect(status.runtime.rssBytes).toBeGreaterThan(0);
    // The process families (prom-client) carry no node label: they are the process's.
    const metrics = parseMetrics(await (await fetch(`${node.httpUrl}/metrics`)).text());
    expect(metrics.get('nodejs_eventloop_lag_max_seconds')).toBeGreaterThanOrEqual(0.04);
    expect(metrics.get('process_cpu_seconds_total')).toBeGreaterThan(0);
    expect(metrics.get('process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(metrics.get('nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
    // GC durations use the sub-millisecond buckets of gcPauseBucketsSeconds (prom-client's default starts at 1 ms).
    expect([...metrics.keys()].some((k) => k.startsWith('nodejs_gc_duration_seconds_bucket{') && k.includes('le="0.0005"'))).toBe(true);
  });

  it('the protocol is served on / and /ws, and an upgrade elsewhere is 404', async () => {
    const a = await connect(node.url);
    const b = await connect(`${node.url}/ws`);
    await Promise.all([a.close(), b.close()]);
    await expect(open(`${node.url}/other`)).rejects.toMatchObject({ status: 404 });
  });

  it('unknown paths are 404 and other methods 405', async () => {
    expect((await fetch(`${node.httpUrl}/nope`)).status).toBe(404);
    expect((await fetch(`${node.httpUrl}/health`, { method: 'POST' })).status).toBe(405);
  });

  it('after stop the port accepts neither HTTP nor WebSocket clients', async () => {
    const other = await startTestNode({ id: 'stopping' });
    const c = await connect(other.url);
    await other.stop();
    await expect(fetch(`${other.httpUrl}/health`)).rejects.toThrow();
    await expect(connect(other.url)).rejects.toThrow();
    await c.closed;
  });
});
