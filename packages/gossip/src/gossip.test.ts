import { describe, expect, it } from 'vitest';
import { Simulation, testSeed } from '@ringkv/sim';
import { Gossip } from './gossip.js';
import { isGossipError } from './errors.js';
import { deltasPerMessageMax, membersMax } from './limits.js';
import type { GossipOptions } from './types.js';
import { beat, deltaSince, initialState, write, type MemberState } from './state.js';

const seed = testSeed(8080);

function options(sim: Simulation, id: string, extra: Partial<GossipOptions> = {}): GossipOptions {
  return { id, address: id, generation: 1, clock: sim.clock, random: sim.fork(id), transport: sim.network.transport(id), seeds: ['a'], ...extra };
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return isGossipError(error) ? error.code : 'other';
  }
  return undefined;
}

describe('Gossip', () => {
  it('rejects options outside their limits with invalid-argument', () => {
    const sim = new Simulation({ seed });
    for (const bad of [{ id: '' }, { fanout: 0 }, { fanout: 17 }, { weight: 0 }, { vnodes: -1 }, { generation: -1 }, { address: '' }, { suspectTimeoutMs: 0 }]) {
      expect(codeOf(() => new Gossip(options(sim, 'a', bad))), JSON.stringify(bad)).toBe('invalid-argument');
    }
  });

  it('refuses a second start and calls that need a running node after stop', () => {
    const sim = new Simulation({ seed });
    const g = new Gossip(options(sim, 'a'));
    expect(codeOf(() => g.setStatus('leaving'))).toBe('not-running');
    g.start();
    expect(codeOf(() => g.start())).toBe('not-running');
    g.stop();
    g.stop();
    expect(codeOf(() => g.leave())).toBe('not-running');
  });

  it('drops and counts malformed and foreign messages without crashing or changing its view', () => {
    const sim = new Simulation({ seed });
    const a = new Gossip(options(sim, 'a'));
    a.start();
    const rogue = sim.network.transport('rogue');
    const junk: unknown[] = [null, 'hello', { t: 'syn' }, { c: 'ringkv', f: 'x', fg: 1, fa: 'x', t: 'ack2', u: [{ i: 'x', g: 1, hb: 'many' }] }];
    for (const message of junk) rogue.send('a', message);
    rogue.send('a', { c: 'other-cluster', f: 'x', fg: 1, fa: 'x', t: 'syn', d: [] });
    rogue.send('a', { c: 'ringkv', f: 'a', fg: 9, fa: 'rogue', t: 'syn', d: [] });
    sim.advance(3_000);
    expect(a.stats()).toMatchObject({ malformedDropped: 4, foreignDropped: 2, messagesReceived: 0 });
    expect(a.snapshot().map((m) => m.id)).toEqual(['a']);
  });

  it('a lone node with no seeds keeps itself as the only member and sends nothing', () => {
    const sim = new Simulation({ seed });
    const a = new Gossip(options(sim, 'a', { seeds: [] }));
    a.start();
    sim.advance(10_000);
    expect(a.snapshot()).toEqual([
      { id: 'a', address: 'a', generation: 1, heartbeat: a.member('a')?.heartbeat, status: 'normal', vnodes: 64, weight: 1, zone: '', meta: '', dc: '', machine: '' },
    ]);
    expect(a.stats().messagesSent).toBe(0);
    expect(a.stats().rounds).toBe(10);
  });

  it('two nodes find each other through a seed, see each other’s status changes, and unsubscribe cleanly', () => {
    const sim = new Simulation({ seed });
    const a = new Gossip(options(sim, 'a', { initialStatus: 'joining' }));
    const b = new Gossip(options(sim, 'b'));
    const seen: string[] = [];
    const off = a.on((e) => seen.push(`${e.type}:${'member' in e ? `${e.member.id}/${e.member.status}` : ''}`));
    a.start();
    b.start();
    sim.advance(3_000);
    expect(b.member('a')?.status).toBe('joining');
    a.setStatus('normal');
    b.setStatus('leaving');
    sim.advance(3_000);
    expect(b.member('a')?.status).toBe('normal');
    expect(seen).toEqual(['joined:b/normal', 'changed:b/leaving']);
    off();
    b.update({ vnodes: 128 });
    sim.advance(3_000);
    expect(a.member('b')?.vnodes).toBe(128);
    expect(seen).toHaveLength(2);
  });

  it('carries each member’s dc, zone (rack) and machine to its peers, and a later update of them', () => {
    const sim = new Simulation({ seed });
    const a = new Gossip(options(sim, 'a', { dc: 'dc1', zone: 'r1', machine: 'host-a' }));
    const b = new Gossip(options(sim, 'b', { dc: 'dc2', machine: 'host-b' }));
    a.start();
    b.start();
    sim.advance(3_000);
    expect(b.member('a')).toMatchObject({ dc: 'dc1', zone: 'r1', machine: 'host-a' });
    expect(a.member('b')).toMatchObject({ dc: 'dc2', zone: '', machine: 'host-b' });
    a.update({ dc: 'dc3' });
    sim.advance(3_000);
    expect(b.member('a')?.dc).toBe('dc3');
    expect(codeOf(() => a.update({ machine: 'm'.repeat(257) }))).toBe('invalid-argument');
  });

  it('a node that sees a newer copy of itself at its own generation moves its version past it', () => {
    const sim = new Simulation({ seed });
    const a = new Gossip(options(sim, 'a', { seeds: [] }));
    a.start();
    sim.network.transport('x').send('a', { c: 'ringkv', f: 'x', fg: 1, fa: 'x', t: 'syn', d: [['a', 1, 500]] });
    sim.advance(1_500);
    expect(a.member('a')?.heartbeat).toBeGreaterThan(500);
  });

  it('counts two live reporters as down, and drops their reports the moment a newer heartbeat arrives', () => {
    const sim = new Simulation({ seed });
    const a = new Gossip(options(sim, 'a', { seeds: [] }));
    const events: string[] = [];
    a.on((e) => events.push(`${e.type}:${'member' in e ? e.member.id : ''}`));
    a.start();
    const entry = (id: string): MemberState => initialState({ id, generation: 1, address: id, status: 'normal', vnodes: 8, weight: 1, zone: '' });
    let s = entry('s');
    for (let i = 0; i < 4; i++) s = beat(s);
    const reporter = (id: string): MemberState => write(entry(id), 'suspects', [['s', 1, s.heartbeat]]);
    const feed = (states: MemberState[]): void => {
      sim.network.transport('x').send('a', { c: 'ringkv', f: 'x', fg: 1, fa: 'x', t: 'ack2', u: states.map((st) => deltaSince(st, 0)) });
      sim.advance(10);
    };
    feed([s, reporter('b')]);
    expect(a.member('s')?.status).toBe('normal');
    feed([reporter('c')]);
    expect(a.member('s')?.status).toBe('down');
    expect(a.reportersOf('s').sort()).toEqual(['b', 'c']);
    feed([beat(s)]);
    expect(a.member('s')?.status).toBe('normal');
    expect(a.reportersOf('s')).toEqual([]);
    expect(events).toEqual(['joined:s', 'joined:b', 'joined:c', 'down:s', 'up:s']);
  });

  it('holds at most membersMax members, refusing and counting the rest, and caps a reply at deltasPerMessageMax', () => {
    const sim = new Simulation({ seed });
    const a = new Gossip(options(sim, 'a', { seeds: [] }));
    a.start();
    const x = sim.network.transport('x');
    const replies: unknown[] = [];
    x.onMessage((_from, m) => replies.push(m));
    const total = membersMax + 100;
    for (let start = 0; start < total; start += deltasPerMessageMax) {
      const u = [];
      for (let i = start; i < Math.min(total, start + deltasPerMessageMax); i++) {
        u.push(deltaSince(initialState({ id: `m${i}`, generation: 1, address: `m${i}`, status: 'normal', vnodes: 8, weight: 1, zone: '' }), 0));
      }
      x.send('a', { c: 'ringkv', f: 'x', fg: 1, fa: 'x', t: 'ack2', u });
    }
    sim.advance(10);
    expect(a.snapshot()).toHaveLength(membersMax);
    expect(a.stats().membersRefused).toBe(total - (membersMax - 1));
    x.send('a', { c: 'ringkv', f: 'x', fg: 1, fa: 'x', t: 'syn', d: [] });
    sim.advance(10);
    const ack = replies.find((m) => (m as { t?: string }).t === 'ack') as { u: unknown[] } | undefined;
    expect(ack?.u).toHaveLength(deltasPerMessageMax);
    expect(a.stats().deltasTruncated).toBe(1);
  });
});
