/**
 * The dashboard's endpoints on two real in-process nodes with an auth token:
 * the live stream, the key inspector, the node identity and the page route.
 * No duration is asserted; every wait is bounded.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RingkvNode } from '../src/index.js';
import { agree, waitUntil } from './support/cluster.js';
import { connect } from './support/client.js';
import { nodeTracker, removeTempDirs } from './support/node.js';

const token = 'dash-secret';
const auth = { authorization: `Bearer ${token}` };
const nodes = nodeTracker();
let a: RingkvNode;
let b: RingkvNode;

beforeAll(async () => {
  a = await nodes.start({ id: 'a', n: 2, r: 1, w: 1, gossipIntervalMs: 100, authToken: token, clusterSecret: 'peers-secret' });
  b = await nodes.start({ id: 'b', n: 2, r: 1, w: 1, gossipIntervalMs: 100, authToken: token, clusterSecret: 'peers-secret', seeds: [a.url] });
  await waitUntil('a and b agree on the members', () => agree([a.httpUrl, b.httpUrl], ['a', 'b'], auth));
});

afterAll(async () => {
  await nodes.stopAll();
  removeTempDirs();
});


/** Reads server-sent events from `res` until `done` accepts one; cancels the stream either way. */
async function readEvents(res: Response, done: (data: any) => boolean): Promise<any> {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buffered = '';
  try {
    for (;;) {
      const chunk = await reader.read();
      if (chunk.done) throw new Error('the stream ended');
      buffered += decoder.decode(chunk.value, { stream: true });
      for (let end = buffered.indexOf('\n\n'); end >= 0; end = buffered.indexOf('\n\n')) {
        const event = buffered.slice(0, end);
        buffered = buffered.slice(end + 2);
        if (!event.startsWith('data: ')) continue;
        const data = JSON.parse(event.slice(6));
        if (done(data)) return data;
      }
    }
  } finally {
    await reader.cancel();
  }
}

describe('dashboard endpoints', () => {
  it('the live stream, the key inspector and the node identity need the token (the sampler reads other members with the cluster secret)', async () => {
    expect((await fetch(`${a.httpUrl}/dashboard/live`)).status).toBe(401);
    const head = await fetch(`${a.httpUrl}/dashboard/live`, { method: 'HEAD', headers: auth });
    expect([head.status, head.headers.get('content-type')]).toEqual([200, 'text/event-stream; charset=utf-8']);
    expect((await fetch(`${a.httpUrl}/dashboard/key?key=k`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    expect((await fetch(`${b.httpUrl}/dashboard/node`)).status).toBe(401);
    const node = await (await fetch(`${b.httpUrl}/dashboard/node`, { headers: auth })).json();
    expect(node).toMatchObject({ id: 'b', actor: expect.stringMatching(/^b(#[0-9a-z]+)?$/) });
  });

  it('the live stream samples every member with its actor, and its request rate once a second reading exists', async () => {
    const c = await connect(b.url, token);
    for (let i = 0; i < 20; i++) await c.request({ type: 'put', key: `live-${i}`, value: new Uint8Array([i]) });
    await c.close();
    const controller = new AbortController();
    const res = await fetch(`${a.httpUrl}/dashboard/live`, { headers: auth, signal: controller.signal });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const sample = await readEvents(res, (s) => s.nodes.length === 2 && s.nodes.every((n: any) => n.reachable && n.opsPerSec !== undefined));
    expect(sample.self).toBe('a');
    expect(sample.ring.members.map((m: any) => [m.id, m.tokens.length])).toEqual([['a', 64], ['b', 64]]);
    expect(sample.cluster.members.map((m: any) => m.id).sort()).toEqual(['a', 'b']);
    const nb = sample.nodes.find((n: any) => n.id === 'b');
    expect(nb.requests).toBeGreaterThanOrEqual(20);
    expect(nb.actor).toMatch(/^b/);
    expect(nb.topology).toMatchObject({ self: 'normal', stream: null, cleanup: { pending: 0 } });
    expect(nb.antiEntropy).toMatchObject({ passes: expect.any(Number), keysRepaired: expect.any(Number) });
    expect(nb.store).toMatchObject({ keys: expect.any(Number) });
    controller.abort();
  });

  it('the key inspector shows two siblings on every replica after two concurrent writes, and the receipt of a read at R = all', async () => {
    const c = await connect(a.url, token);
    await c.request({ type: 'put', key: 'twin', value: new TextEncoder().encode('left') });
    await c.request({ type: 'put', key: 'twin', value: new TextEncoder().encode('right') });
    await c.close();
    let body: any;
    await waitUntil('both replicas hold both siblings', async () => {
      body = await (await fetch(`${b.httpUrl}/dashboard/key?key=twin`, { headers: auth })).json();
      return body.replicas.every((r: any) => r.ok && r.siblings.length === 2);
    });
    expect(body.n).toBe(2);
    expect(body.preferenceList.map((p: any) => p.node).sort()).toEqual(['a', 'b']);
    expect(body.position).toMatch(/^[0-9a-f]{16}$/);
    const previews = body.replicas[0].siblings.map((s: any) => s.preview).sort();
    expect(previews).toEqual(['left', 'right']);
    expect(body.replicas[0].siblings[0].dot.actor).toMatch(/^a/);
    expect(Object.keys(body.replicas[0].context)).toHaveLength(1);
    expect(body.read.ok).toBe(true);
    expect(body.read.siblings).toHaveLength(2);
    expect(body.read.receipt.r).toBe(2);
    expect(body.read.receipt.replicas.map((r: any) => r.outcome)).toEqual(['ack', 'ack']);
  });

  it('the key inspector takes bytes in hex and refuses a bad key with 400', async () => {
    const hex = await (await fetch(`${a.httpUrl}/dashboard/key?hex=00ff`, { headers: auth })).json();
    expect(hex).toMatchObject({ key: null, keyHex: '00ff', read: { ok: true, found: false, siblings: [] } });
    for (const query of ['', 'key=', 'hex=0', 'key=a&hex=00', `key=${'x'.repeat(1025)}`]) {
      const res = await fetch(`${a.httpUrl}/dashboard/key?${query}`, { headers: auth });
      expect(res.status, query).toBe(400);
      expect(await res.json()).toMatchObject({ error: { code: 'bad-request' } });
    }
  });

  it('/ serves the page when @ringkv/dashboard is built, and says how to build it when not', async () => {
    const res = await fetch(`${a.httpUrl}/`);
    if (res.status === 200) {
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(await res.text()).toContain('ringkv dashboard');
    } else {
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({ error: { code: 'not-built' } });
    }
  });
});
