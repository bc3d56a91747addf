import { describe, expect, it } from 'vitest';
import { SimClock } from './clock.js';
import { SimNetwork, type LinkConfig } from './network.js';
import { Rng } from './random.js';
import { seedNote, testSeed } from './seed.js';

const seed = testSeed(20261124);

interface World {
  clock: SimClock;
  net: SimNetwork;
  inbox: Map<string, Array<{ from: string; message: unknown; at: number }>>;
}

function world(ids: string[], link: Partial<LinkConfig> = {}): World {
  const clock = new SimClock();
  const net = new SimNetwork(clock, new Rng(seed).fork('network'), { link });
  const inbox = new Map<string, Array<{ from: string; message: unknown; at: number }>>();
  for (const id of ids) {
    const box: Array<{ from: string; message: unknown; at: number }> = [];
    inbox.set(id, box);
    net.transport(id).onMessage((from, message) => box.push({ from, message, at: clock.now() }));
  }
  return { clock, net, inbox };
}

function got(w: World, id: string): unknown[] {
  return (w.inbox.get(id) ?? []).map((m) => m.message);
}

/** Sends one message on every ordered pair and returns the pairs that delivered. */
function reachable(w: World, ids: string[]): string[] {
  for (const box of w.inbox.values()) box.length = 0;
  for (const a of ids) for (const b of ids) if (a !== b) w.net.transport(a).send(b, `${a}>${b}`);
  w.clock.advance(1_000);
  return ids.flatMap((id) => got(w, id) as string[]).sort();
}

describe('SimNetwork', () => {
  it('delivers after the link latency, never synchronously', () => {
    const w = world(['a', 'b'], { latencyMs: 25 });
    w.net.transport('a').send('b', { hello: 1 });
    expect(got(w, 'b')).toEqual([]);
    w.clock.advance(24);
    expect(got(w, 'b')).toEqual([]);
    w.clock.advance(1);
    expect(w.inbox.get('b')).toEqual([{ from: 'a', message: { hello: 1 }, at: 25 }]);
  });

  it('delivers a clone, so the receiver cannot change the sender’s object', () => {
    const w = world(['a', 'b']);
    const sent = { list: [1, 2] };
    w.net.transport('a').send('b', sent);
    w.clock.advance(10);
    (got(w, 'b')[0] as { list: number[] }).list.push(3);
    expect(sent.list).toEqual([1, 2]);
  });

  it('a duplicated message arrives as two independent copies, and changing the original after send changes neither', () => {
    const w = world(['a', 'b'], { duplicateRate: 1 });
    const sent = { n: 1 };
    w.net.transport('a').send('b', sent);
    sent.n = 2;
    w.clock.advance(10);
    const [first, second] = got(w, 'b') as Array<{ n: number }>;
    expect(first).toEqual({ n: 1 });
    (first as { n: number }).n = 99;
    expect(second).toEqual({ n: 1 });
  });

  it('partition cuts across groups only, and heal restores every direction', () => {
    const ids = ['a', 'b', 'c', 'd'];
    const w = world(ids);
    w.net.partition(['a', 'b'], ['c', 'd']);
    expect(reachable(w, ids)).toEqual(['a>b', 'b>a', 'c>d', 'd>c']);
    w.net.heal();
    expect(reachable(w, ids)).toHaveLength(12);
  });

  it('isolate cuts one node from all others both ways', () => {
    const ids = ['a', 'b', 'c'];
    const w = world(ids);
    w.net.isolate('a');
    expect(reachable(w, ids)).toEqual(['b>c', 'c>b']);
  });

  it('bridge keeps the bridge node connected to both halves that cannot reach each other', () => {
    const ids = ['a', 'b', 'm', 'c', 'd'];
    const w = world(ids);
    w.net.bridge(['a', 'b', 'm'], ['m', 'c', 'd'], ['m']);
    const pairs = reachable(w, ids);
    expect(pairs).toContain('a>m');
    expect(pairs).toContain('m>d');
    expect(pairs).toContain('d>m');
    expect(pairs).not.toContain('a>c');
    expect(pairs).not.toContain('d>b');
    expect(pairs).toHaveLength(4 * 2 + 2 + 2);
  });

  it('a one-way cut blocks one direction and healLink restores it', () => {
    const ids = ['a', 'b'];
    const w = world(ids);
    w.net.cutLink('a', 'b');
    expect(reachable(w, ids)).toEqual(['b>a']);
    w.net.healLink('a', 'b');
    expect(reachable(w, ids)).toEqual(['a>b', 'b>a']);
  });

  it('loses a message whose path is cut while it is in flight, and delivers new ones after healing', () => {
    const w = world(['a', 'b'], { latencyMs: 100 });
    w.net.transport('a').send('b', 1);
    w.clock.advance(50);
    w.net.cutLink('a', 'b');
    w.clock.advance(100);
    w.net.heal();
    w.net.transport('a').send('b', 2);
    w.clock.advance(200);
    expect(got(w, 'b')).toEqual([2]);
  });

  it('a down node neither sends nor receives, in flight included, until it is up again', () => {
    const w = world(['a', 'b'], { latencyMs: 10 });
    w.net.transport('a').send('b', 'in-flight');
    w.net.down('b');
    w.net.transport('b').send('a', 'from-down');
    w.clock.advance(20);
    expect(got(w, 'b')).toEqual([]);
    expect(got(w, 'a')).toEqual([]);
    w.net.up('b');
    w.net.transport('a').send('b', 'after');
    w.clock.advance(20);
    expect(got(w, 'b')).toEqual(['after']);
    expect(w.net.stats('a').droppedMessages).toBe(1);
    expect(w.net.stats('b').droppedMessages).toBe(1);
  });

  it('tells the sender of a connection loss when the peer is down, not when it is partitioned', () => {
    const w = world(['a', 'b', 'c']);
    const losses: string[] = [];
    w.net.transport('a').onConnectionLoss((peer) => losses.push(peer));
    w.net.down('b');
    w.net.cutLink('a', 'c');
    w.net.transport('a').send('b', 1);
    w.net.transport('a').send('c', 1);
    w.net.transport('a').send('nobody', 1);
    w.clock.advance(10);
    expect(losses).toEqual(['b', 'nobody']);
  });

  it('crash removes the node’s handlers so a restarted node registers anew', () => {
    const w = world(['a', 'b']);
    w.net.crash('b');
    w.net.up('b');
    w.net.transport('a').send('b', 1);
    w.clock.advance(10);
    expect(got(w, 'b')).toEqual([]);
    const fresh: unknown[] = [];
    w.net.transport('b').onMessage((_from, m) => fresh.push(m));
    w.net.transport('a').send('b', 2);
    w.clock.advance(10);
    expect(fresh).toEqual([2]);
  });

  it('loses and duplicates messages at rates within a few standard deviations of the configured ones', () => {
    const n = 20_000;
    const w = world(['a', 'b'], { lossRate: 0.1, duplicateRate: 0.2 });
    for (let i = 0; i < n; i++) w.net.transport('a').send('b', i);
    w.clock.advance(10);
    const seen = new Map<number, number>();
    for (const m of got(w, 'b') as number[]) seen.set(m, (seen.get(m) ?? 0) + 1);
    const lost = n - seen.size;
    const duplicated = [...seen.values()].filter((c) => c === 2).length;
    // Binomial bands at ~5 sigma: loss 10% of 20000 (sd ≈ 42), duplication 20% of ~18000 (sd ≈ 54).
    expect(Math.abs(lost - 0.1 * n), `lost ${lost} ${seedNote(seed)}`).toBeLessThan(220);
    expect(Math.abs(duplicated - 0.2 * seen.size), `duplicated ${duplicated} ${seedNote(seed)}`).toBeLessThan(280);
    expect([...seen.values()].every((c) => c <= 2)).toBe(true);
  });

  it('keeps every delay within latency plus jitter, and jitter reorders messages', () => {
    const w = world(['a', 'b'], { latencyMs: 50, jitterMs: 200 });
    for (let i = 0; i < 500; i++) w.net.transport('a').send('b', i);
    w.clock.advance(1_000);
    const box = w.inbox.get('b') ?? [];
    expect(box).toHaveLength(500);
    for (const m of box) {
      expect(m.at).toBeGreaterThanOrEqual(50);
      expect(m.at).toBeLessThanOrEqual(250);
    }
    const order = box.map((m) => m.message as number);
    expect(order).not.toEqual([...order].sort((x, y) => x - y));
  });

  it('reordering holds some messages back so later ones overtake them', () => {
    const w = world(['a', 'b'], { latencyMs: 10, reorderRate: 0.3, reorderDelayMs: 100 });
    for (let i = 0; i < 200; i++) {
      w.net.transport('a').send('b', i);
      w.clock.advance(1);
    }
    w.clock.advance(500);
    const order = got(w, 'b') as number[];
    expect(order).toHaveLength(200);
    const inversions = order.filter((v, i) => i > 0 && v < (order[i - 1] as number)).length;
    expect(inversions, seedNote(seed)).toBeGreaterThan(20);
  });

  it('per-link settings override the default for one direction only', () => {
    const w = world(['a', 'b'], { latencyMs: 5 });
    w.net.setLink('a', 'b', { latencyMs: 500 });
    w.net.transport('a').send('b', 'slow');
    w.net.transport('b').send('a', 'fast');
    w.clock.advance(10);
    expect(got(w, 'a')).toEqual(['fast']);
    expect(got(w, 'b')).toEqual([]);
    w.clock.advance(500);
    expect(got(w, 'b')).toEqual(['slow']);
  });

  it('counts messages and MessagePack-estimated bytes per node, and resets', () => {
    const w = world(['a', 'b']);
    w.net.transport('a').send('b', 'abc');
    w.net.transport('a').send('b', [1, 2, 3]);
    w.clock.advance(10);
    expect(w.net.stats('a')).toMatchObject({ sentMessages: 2, sentBytes: 8 });
    expect(w.net.stats('b')).toMatchObject({ receivedMessages: 2, receivedBytes: 8 });
    expect(w.net.totals().sentBytes).toBe(8);
    w.net.resetStats();
    expect(w.net.stats('a').sentBytes).toBe(0);
  });

  it('uses the size function the user passes', () => {
    const clock = new SimClock();
    const net = new SimNetwork(clock, new Rng(seed), { sizeOf: (m) => JSON.stringify(m).length });
    net.transport('b').onMessage(() => undefined);
    net.transport('a').send('b', { k: 'v' });
    expect(net.stats('a').sentBytes).toBe(9);
  });

  it('rejects rates outside [0, 1]', () => {
    const w = world(['a']);
    expect(() => w.net.setDefaultLink({ lossRate: 1.5 })).toThrow(/rates/);
  });
});
