import { afterEach, describe, expect, it } from 'vitest';
import { connect, isRingkvError, systemClock, type Clock, type RingkvClient, type RingkvError } from '@ringkv/client-sdk';
import { startFakeServer, type FakeRequest, type FakeServer } from './fake-server.js';

const opened: Array<{ close(): Promise<void> }> = [];
function track<T extends { close(): Promise<void> }>(x: T): T {
  opened.push(x);
  return x;
}
afterEach(async () => {
  for (const x of opened.splice(0).reverse()) await x.close();
});

async function fake(options: Parameters<typeof startFakeServer>[0] = {}): Promise<FakeServer> {
  return track(await startFakeServer(options));
}
async function client(seeds: string | string[], options: Parameters<typeof connect>[1] = {}): Promise<RingkvClient> {
  // One frame per request, so the fake's hooks see each request on its own (batching has its own tests).
  // routing 'any': these tests script one connection's frames; the ring fetch of token-aware routing is tested in cluster.test.ts.
  return track(await connect(seeds, { reconnectBaseMs: 5, reconnectCapMs: 20, batching: false, routing: 'any', ...options }));
}
async function failure(promise: Promise<unknown>): Promise<RingkvError> {
  try {
    await promise;
  } catch (error) {
    expect(isRingkvError(error), `not a RingkvError: ${String(error)}`).toBe(true);
    return error as RingkvError;
  }
  throw new Error('expected a rejection');
}
/** Resolves once the fake has received `n` requests. */
async function received(server: FakeServer, n: number): Promise<void> {
  while (server.requests.length < n) await new Promise((r) => setTimeout(r, 2));
}

/** Resolves once `check` holds, polling the event loop (bounded by the test timeout). */
async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((r) => setTimeout(r, 2));
}

describe('client against a fake node', () => {
  it('puts and gets MessagePack values and raw bytes', async () => {
    const server = await fake();
    const c = await client(server.url);
    await c.put('doc', { name: 'Ada', tags: ['x'], n: 3 });
    await c.put('raw', new Uint8Array([1, 2, 3]));
    const doc = await c.get<{ name: string }>('doc');
    expect(doc.found).toBe(true);
    expect(doc.values).toEqual([{ name: 'Ada', tags: ['x'], n: 3 }]);
    expect((await c.get('raw')).values).toEqual([new Uint8Array([1, 2, 3])]);
    expect((await c.get('missing')).found).toBe(false);
    expect(c.nodeId).toBe(server.nodeId);
  });

  it('a write without a reply fails with an indeterminate timeout that says it may have happened', async () => {
    const server = await fake({ onRequest: () => {} });
    const c = await client(server.url);
    const error = await failure(c.put('k', 'v', { timeoutMs: 50 }));
    expect(error.code).toBe('timeout');
    expect(error.indeterminate).toBe(true);
    expect(error.message).toMatch(/may have happened/);
    const read = await failure(c.get('k', { timeoutMs: 50 }));
    expect(read.code).toBe('timeout');
    expect(read.indeterminate).toBe(false);
  });

  it('a connection dropped mid-request fails the request at once, then reconnects', async () => {
    let drop = true;
    const server = await fake({
      onRequest: (req) => {
        if (drop) {
          drop = false;
          req.socket.terminate();
        } else req.answer();
      },
    });
    const c = await client(server.url);
    const error = await failure(c.put('k', 'v', { timeoutMs: 30_000 }));
    expect(error.code).toBe('connection-closed');
    expect(error.indeterminate).toBe(true);
    await c.put('k', 'after');
    expect((await c.get('k')).values).toContain('after');
    expect(server.hellos).toBe(2);
  });

  it('fails over to the next seed when its node goes away', async () => {
    const a = await fake({ nodeId: 'a' });
    const b = await fake({ nodeId: 'b' });
    const c = await client([a.url, b.url]);
    expect(c.nodeId).toBe('a');
    await a.close();
    await until(() => c.nodeId === 'b');
    await c.put('k', 1);
    expect(c.nodeId).toBe('b');
    expect(b.requests.map((r) => r.type)).toEqual(['put']);
  });

  it('skips an unreachable first seed on connect', async () => {
    const dead = await fake();
    const deadUrl = dead.url;
    await dead.close();
    const b = await fake({ nodeId: 'b' });
    const c = await client([deadUrl, b.url]);
    expect(c.nodeId).toBe('b');
  });

  it('rejects connect with not-connected when no seed answers', async () => {
    const dead = await fake();
    await dead.close();
    const error = await failure(connect(dead.url, { connectTimeoutMs: 1000 }));
    expect(error.code).toBe('not-connected');
    expect(error.message).toContain(dead.url);
  });

  it('rejects connect with unauthorized when the node refuses the hello', async () => {
    const server = await fake({
      onHello: (socket, send) => {
        send({ type: 'error', code: 'unauthorized', message: 'bad token' });
        socket.close(1008, 'unauthorized');
      },
    });
    const error = await failure(connect(server.url, { authToken: 'nope' }));
    expect(error.code).toBe('unauthorized');
  });

  it('turns a malformed frame from the node into a typed error and reconnects', async () => {
    let garbage = true;
    const server = await fake({
      onRequest: (req) => {
        if (garbage) {
          garbage = false;
          req.socket.send(new Uint8Array([0xc1, 0x00]));
        } else req.answer();
      },
    });
    const c = await client(server.url);
    const error = await failure(c.put('k', 'v'));
    expect(error.code).toBe('malformed-frame');
    expect(error.indeterminate).toBe(true);
    await c.put('k', 'v2');
    expect((await c.get('k')).values).toContain('v2');
  });

  it('requests share one deadline timer: 200 unanswered requests with two timeouts all end (timeout, or connection-closed once the silence drops the connection), and close leaves no timer armed', async () => {
    const armed = new Set<unknown>();
    let armedMax = 0;
    const clock: Clock = {
      now: systemClock.now,
      setTimer: (callback, delayMs) => {
        const handle = systemClock.setTimer(() => {
          armed.delete(handle);
          callback();
        }, delayMs);
        armed.add(handle);
        armedMax = Math.max(armedMax, armed.size);
        return handle;
      },
      clearTimer: (handle) => {
        armed.delete(handle);
        systemClock.clearTimer(handle);
      },
    };
    const server = await fake({ onRequest: () => {} });
    const c = await client(server.url, { clock });
    const outcomes = await Promise.all(Array.from({ length: 200 }, (_, i) => failure(c.get(`k${i}`, { timeoutMs: i % 2 === 0 ? 40 : 80 }))));
    // The first request holds the earliest deadline, so it times out; that silence drops the
    // connection (dropIfSilent). Every other request either times out before the drop lands or
    // fails with connection-closed: on a loaded machine the sweep that expires request 0 may run
    // before a later 40 ms deadline is due, and the drop then ends that request too.
    expect(outcomes[0]?.code).toBe('timeout');
    outcomes.forEach((e, i) => expect(['timeout', 'connection-closed'], `request ${i}`).toContain(e.code));
    // Reads: neither ending leaves anything in doubt.
    outcomes.forEach((e, i) => expect(e.indeterminate, `request ${i}`).toBe(false));
    // One deadline timer, plus what a silent connection's replacement arms (one close wait, connect timeout, backoff): never one per request.
    expect(armedMax).toBeLessThanOrEqual(5);
    await c.close();
    expect(armed.size).toBe(0);
  });

  it('a get whose stored value cannot be unpacked rejects with invalid-message, and the client goes on', async () => {
    const server = await fake({
      onRequest: (req) => {
        if (req.message.type === 'get' && req.message.key === 'bad') {
          // 0xc1 is never valid MessagePack.
          req.reply({ type: 'get-ok', id: req.message.id, found: true, siblings: [{ value: new Uint8Array([0xc1]), valueEncoding: 'msgpack' }], context: new Uint8Array(1) });
        } else req.answer();
      },
    });
    const c = await client(server.url);
    const error = await failure(c.get('bad'));
    expect(error.code).toBe('invalid-message');
    expect(error.message).toContain('stored value unreadable');
    await c.put('k', 1);
    expect((await c.get('k')).values).toEqual([1]);
  });

  it('a reply of the wrong type fails only that request', async () => {
    const server = await fake({
      onRequest: (req) => {
        if (req.message.type === 'get') req.reply({ type: 'put-ok', id: req.message.id, context: new Uint8Array(1) });
        else req.answer();
      },
    });
    const c = await client(server.url);
    expect((await failure(c.get('k'))).code).toBe('invalid-message');
    await c.put('k', 1);
  });

  it('passes a node error code through, with the protocol retry advice', async () => {
    const server = await fake({
      onRequest: (req) => req.reply({ type: 'error', id: req.message.id, code: 'unavailable', message: 'no replicas' }),
    });
    const c = await client(server.url);
    const error = await failure(c.get('k'));
    expect(error.code).toBe('unavailable');
    expect(error.retryable).toBe(true);
    expect(error.message).toContain('no replicas');
  });

  it('close mid-request fails pending requests with closed and refuses new ones', async () => {
    const server = await fake({ onRequest: () => {} });
    const c = await client(server.url);
    const pending = failure(c.put('k', 'v'));
    await received(server, 1);
    await c.close();
    const error = await pending;
    expect(error.code).toBe('closed');
    expect(error.indeterminate).toBe(true);
    expect((await failure(c.get('k'))).code).toBe('closed');
    await c.close();
  });

  it('pipelines requests and pairs out-of-order replies by id', async () => {
    const held: FakeRequest[] = [];
    const server = await fake({
      onRequest: (req) => {
        held.push(req);
        if (held.length === 20) for (const r of held.splice(0).reverse()) r.answer();
      },
    });
    const c = await client(server.url);
    const writes = Array.from({ length: 20 }, (_, i) => c.put(`k${i}`, i));
    await Promise.all(writes);
    const reads = await Promise.all(Array.from({ length: 20 }, (_, i) => c.get<number>(`k${i}`)));
    expect(reads.map((r) => r.values[0])).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it('never has more than inFlightMax requests on the wire', async () => {
    let outstanding = 0;
    let peak = 0;
    const server = await fake({
      onRequest: (req) => {
        outstanding++;
        peak = Math.max(peak, outstanding);
        setTimeout(() => {
          outstanding--;
          req.answer();
        }, 1);
      },
    });
    const c = await client(server.url, { inFlightMax: 4 });
    await Promise.all(Array.from({ length: 40 }, (_, i) => c.put(`k${i}`, i)));
    expect(server.requests).toHaveLength(40);
    expect(peak).toBe(4);
  });

  it('uses the smaller of its own and the node advertised in-flight bound', async () => {
    const held: FakeRequest[] = [];
    const server = await fake({ inFlightMax: 2, onRequest: (req) => held.push(req) });
    const c = await client(server.url, { inFlightMax: 100 });
    const all = Promise.all(Array.from({ length: 5 }, (_, i) => c.put(`k${i}`, i)));
    await received(server, 2);
    await new Promise((r) => setTimeout(r, 20));
    expect(server.requests).toHaveLength(2);
    while (server.requests.length < 5 || held.length > 0) {
      for (const r of held.splice(0)) r.answer();
      await new Promise((r) => setTimeout(r, 1));
    }
    await all;
  });

  it('refuses requests beyond queuedMax with too-many-in-flight', async () => {
    const server = await fake({ onRequest: () => {} });
    const c = await client(server.url, { inFlightMax: 1, queuedMax: 2, requestTimeoutMs: 10_000 });
    const first = failure(c.get('a'));
    await received(server, 1);
    const queued = [failure(c.get('b', { timeoutMs: 50 })), failure(c.get('c', { timeoutMs: 50 }))];
    const error = await failure(c.get('d'));
    expect(error.code).toBe('too-many-in-flight');
    for (const q of await Promise.all(queued)) {
      expect(q.code).toBe('timeout');
      expect(q.message).toMatch(/not sent/);
      expect(q.indeterminate).toBe(false);
    }
    await c.close();
    expect((await first).code).toBe('closed');
  });

  it('fails a request queued while no node is reachable with not-connected', async () => {
    const server = await fake();
    const c = await client(server.url);
    await server.close();
    await until(() => c.url === undefined);
    const error = await failure(c.put('k', 'v', { timeoutMs: 100 }));
    expect(error.code).toBe('not-connected');
    expect(error.indeterminate).toBe(false);
  });

  it('refuses bad input before sending anything', async () => {
    const server = await fake();
    const c = await client(server.url);
    expect((await failure(c.get('x'.repeat(2000)))).code).toBe('key-too-large');
    expect((await failure(c.put('k', new Set([1])))).code).toBe('invalid-message');
    expect((await failure(c.get('k', { timeoutMs: -1 }))).code).toBe('invalid-argument');
    await expect(connect('http://nope')).rejects.toMatchObject({ code: 'invalid-argument' });
    expect(server.requests).toHaveLength(0);
  });

  it('refuses every mistyped argument with a typed invalid-argument error, before sending anything', async () => {
    const server = await fake();
    const c = await client(server.url);
    const cases: Array<[string, () => Promise<unknown>]> = [
      ['numeric key', () => c.get(42 as never)],
      ['null key', () => c.put(null as never, 'v')],
      ['object key', () => c.delete({} as never)],
      ['empty key', () => c.get('')],
      ['empty byte key', () => c.put(new Uint8Array(0), 'v')],
      ['lone high surrogate', () => c.get('a\ud800')],
      ['lone low surrogate', () => c.put('\udc00', 'v')],
      ['options not an object', () => c.get('k', 5 as never)],
      ['r out of range', () => c.get('k', { r: 0 })],
      ['w not a level', () => c.put('k', 'v', { w: 'most' as never })],
      ['context not bytes', () => c.put('k', 'v', { context: 'abc' as never })],
      ['receipt not boolean', () => c.get('k', { receipt: 'yes' as never })],
      ['timeoutMs a string', () => c.get('k', { timeoutMs: '5' as never })],
      ['update fn missing', () => c.update('k', undefined as never)],
      ['update key numeric', () => c.update(7 as never, () => 1)],
      ['ring options', () => c.ring(3 as never)],
      ['seeds a number', () => connect(7000 as never)],
      ['connect options null', () => connect(server.url, null as never)],
    ];
    for (const [name, call] of cases) {
      const error = await failure(call());
      expect(error.code, name).toBe('invalid-argument');
      expect(error.message, name).toMatch(/^client-sdk: /);
    }
    expect((await failure(c.get(42 as never))).message).toContain('a key must be a string or a Uint8Array, got number 42');
    expect(server.requests).toHaveLength(0);
    await c.get('😀 ok'); // a well-formed surrogate pair is fine
  });

  it('stores a string of exactly 1 MiB (the limit is on the value, not its encoding) and returns plain objects', async () => {
    const server = await fake();
    const c = await client(server.url);
    const big = 'x'.repeat(1024 * 1024);
    await c.put('big', big);
    expect(((await c.get<string>('big')).values[0] as string).length).toBe(big.length);
    expect((await failure(c.put('big', `${big}x`))).code).toBe('value-too-large');
    await c.put('doc', { a: { b: [1, { c: 2 }] } });
    const doc = (await c.get<{ a: { b: [number, { c: number }] } }>('doc')).values[0];
    expect(Object.getPrototypeOf(doc)).toBe(Object.prototype);
    expect(Object.getPrototypeOf(doc?.a)).toBe(Object.prototype);
    expect(Object.getPrototypeOf(doc?.a.b[1])).toBe(Object.prototype);
  });
});

describe('a connection that goes silent', () => {
  it('is dropped after a request times out with no frame received, and the client reconnects', async () => {
    let first = true;
    let silent: unknown;
    const server = await fake({
      onRequest: (req) => {
        if (first) {
          first = false;
          silent = req.socket; // swallow everything on this socket from now on
        }
        if (req.socket !== silent) req.answer();
      },
    });
    const c = await client(server.url);
    const error = await failure(c.put('k', 'v', { timeoutMs: 50 }));
    expect(error.code).toBe('timeout');
    await until(() => server.hellos === 2);
    await c.put('k', 'w');
    expect((await c.get('k')).values).toContain('w');
  });
});
