/**
 * The checkers have teeth: on a healthy cluster they report nothing, and each
 * one reports the violation it exists for when the state or the history is
 * tampered with (a checker that cannot fail proves nothing).
 */
import { seedNote, testSeed } from '@ringkv/sim';
import { decodeContext } from '@ringkv/vclock';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  checkConvergence,
  checkHints,
  checkMerkle,
  checkRegister,
  checkSet,
  dotOf,
  finalSet,
  registerValue,
  setValue,
  SimCluster,
  type History,
  type WriteAttempt,
} from '../src/index.js';
import { turn } from './support.js';

const seed = testSeed(4_242);
const keys = ['a', 'b'];

function attempt(key: string, value: string, over: Partial<WriteAttempt> = {}): WriteAttempt {
  return { client: 'c1', key, value, context: [], delete: false, status: 'ok', sentAtMs: 0, ...over };
}

describe('checkers', () => {
  let cluster: SimCluster;
  const acked: WriteAttempt[] = [];

  beforeAll(async () => {
    cluster = new SimCluster({ seed, nodes: 3, clients: 1, turn });
    expect(await cluster.start(), seedNote(seed)).toBe(true);
    const client = cluster.clients[0]!;
    for (const [i, key] of keys.entries()) {
      const value = `e${i}`;
      const o = await cluster.drive(client.request('n1', { type: 'put', key, value: setValue([value]) }, { w: 'all', receipt: true }), 10_000);
      expect(o.kind, seedNote(seed)).toBe('ok');
      if (o.kind !== 'ok' || o.reply.type !== 'put-ok') throw new Error('put failed');
      const dot = dotOf(o.reply.receipt!.coordinator, decodeContext(o.reply.context), []);
      expect(dot, seedNote(seed)).toBeDefined();
      acked.push(attempt(key, value, { ...(dot === undefined ? {} : { dot }) }));
    }
    await cluster.runFor(2_000);
  });

  const history = (writes: WriteAttempt[]): History => ({ workload: 'set', keys, writes, reads: 0, readsFailed: 0 });

  it('report nothing for a healthy cluster and a true history', () => {
    expect([...checkConvergence(cluster, keys), ...checkMerkle(cluster), ...checkHints(cluster), ...checkSet(cluster, history(acked))], seedNote(seed)).toEqual([]);
  });

  it('set: report an acknowledged element that is missing', () => {
    const found = checkSet(cluster, history([...acked, attempt('a', 'ghost')]));
    expect(found.map((a) => a.detail), seedNote(seed)).toEqual([expect.stringContaining('acknowledged element ghost lost')]);
  });

  it('set: report a present element whose write was refused, and one never attempted', () => {
    const refused = checkSet(cluster, history([acked[0]!, { ...acked[1]!, status: 'refused' }]));
    expect(refused.map((a) => a.detail), seedNote(seed)).toEqual([expect.stringContaining('present though its write was refused')]);
    const unknown = checkSet(cluster, history([acked[0]!]));
    expect(unknown.map((a) => a.detail), seedNote(seed)).toEqual([expect.stringContaining('never attempted')]);
  });

  it('register: report a lost acknowledged write whose dot no context covered, and accept one that was covered', () => {
    const lost = attempt('a', 'gone', { dot: { actor: 'n2', counter: 99 } });
    const h: History = { workload: 'register', keys: [], writes: [lost], reads: 0, readsFailed: 0 };
    expect(checkRegister(cluster, { ...h, keys: ['a'] }).filter((a) => a.detail.includes('gone')), seedNote(seed)).toHaveLength(1);
    const covering = attempt('a', 'later', { status: 'indeterminate', context: [{ actor: 'n2', counter: 99, lastModifiedMs: 0 }] });
    expect(checkRegister(cluster, { ...h, keys: ['a'], writes: [lost, covering] }).filter((a) => a.detail.includes('gone')), seedNote(seed)).toEqual([]);
  });

  it('register: report a sibling that an acknowledged write superseded (a resurrection)', async () => {
    const client = cluster.clients[0]!;
    const o = await cluster.drive(client.request('n1', { type: 'put', key: 'r', value: registerValue('old') }, { w: 'all', receipt: true }), 10_000);
    expect(o.kind, seedNote(seed)).toBe('ok');
    if (o.kind !== 'ok' || o.reply.type !== 'put-ok') throw new Error(`put failed ${seedNote(seed)}`);
    const context = decodeContext(o.reply.context);
    const oldDot = dotOf(o.reply.receipt!.coordinator, context, []);
    const old = attempt('r', 'old', { context: [], ...(oldDot === undefined ? {} : { dot: oldDot }) });
    const deleted = attempt('r', 'del', { delete: true, context, dot: { actor: 'n9', counter: 1 }, sentAtMs: 1 });
    const found = checkRegister(cluster, { workload: 'register', keys: ['r'], writes: [old, deleted], reads: 0, readsFailed: 0 });
    expect(found.map((a) => a.detail), seedNote(seed)).toEqual([expect.stringContaining('survives though acknowledged write del superseded it')]);
  });

  it('convergence and merkle: report a replica that diverged, hints: report a stored hint', async () => {
    const node = cluster.node('n3');
    const set = finalSet(cluster, 'a');
    await cluster.drive(node.state.store.update('a', [], { tombstone: false, value: setValue(['rogue']) }), 5_000);
    const divergence = checkConvergence(cluster, keys);
    expect(divergence.map((a) => a.key), seedNote(seed)).toEqual(['a']);
    expect(checkMerkle(cluster).length, seedNote(seed)).toBeGreaterThan(0);
    expect(checkHints(cluster), seedNote(seed)).toEqual([]);
    await cluster.drive(node.state.hints.put('n1', 'a', set, node.nodeClock.now()), 5_000);
    expect(checkHints(cluster).map((a) => a.detail), seedNote(seed)).toEqual([expect.stringContaining('n3 holds 1 hints')]);
    cluster.stop();
  });
});

describe('dotOf', () => {
  const e = (actor: string, counter: number) => ({ actor, counter, lastModifiedMs: 0 });
  it('takes the coordinator entry that moved past the context sent, for a plain or an incarnation actor', () => {
    expect(dotOf('n1', [e('n1', 4), e('n2', 2)], [e('n1', 3), e('n2', 2)])).toEqual({ actor: 'n1', counter: 4 });
    expect(dotOf('n1', [e('n1#2', 1), e('n2', 2)], [e('n2', 2)])).toEqual({ actor: 'n1#2', counter: 1 });
  });

  it('takes the newest incarnation when a blind write also learned older ones of the same node', () => {
    expect(dotOf('n4', [e('n1#1', 5), e('n4#1', 5), e('n4#5', 1)], [])).toEqual({ actor: 'n4#5', counter: 1 });
    expect(dotOf('n4', [e('n4#a', 2), e('n4#9', 7)], [])).toEqual({ actor: 'n4#a', counter: 2 });
  });

  it('gives no dot when no entry of the coordinator moved', () => {
    expect(dotOf('n1', [e('n1', 3)], [e('n1', 3)])).toBeUndefined();
  });
});
