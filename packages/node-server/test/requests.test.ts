/**
 * handleRequest on a lone node (N = 1): gets are answered synchronously with
 * the reply the coordinated path gives; everything else stays asynchronous.
 */
import { WireCodec, type NodeReply } from '@ringkv/protocol';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { ClusterCore } from '../src/cluster/core.js';
import { EngineHintStore } from '../src/cluster/hint-store.js';
import type { ClusterSettings } from '../src/cluster/settings.js';
import { systemClock } from '../src/cluster/system-clock.js';
import { handleRequest } from '../src/server/requests.js';
import { storageKey } from '../src/store/keys.js';
import { ReplicaStore } from '../src/store/replica-store.js';
import { openMemoryEngine, type MemoryEngine } from './support/memory-engine.js';

let seq = 0;
const cores: ClusterCore[] = [];
const settings: ClusterSettings = { n: 1, r: 1, w: 1, mode: 'sloppy', requestTimeoutMs: 1000, vnodes: 16, weight: 1, zone: '', gossipIntervalMs: 1000, hintTtlMs: 3_600_000, seeds: [], clusterName: 'ringkv' };
const codec = new WireCodec();

async function lone(): Promise<{ core: ClusterCore; engine: MemoryEngine }> {
  const engine = (await openMemoryEngine(`req-${seq++}`, { durability: 'none', syncIntervalMs: 100, keyBytesMax: 2048, valueBytesMax: 1 << 20 })) as MemoryEngine;
  const store = new ReplicaStore(engine, { actor: 'a', siblingsMax: 64, setBytesMax: 1 << 20, durability: 'none' });
  const core = new ClusterCore({
    id: 'a', address: 'ws://a', generation: 1, settings, store, hints: new EngineHintStore(engine, store), clock: systemClock, random: { next: () => 0.5 },
    transport: { send: () => {}, onMessage: () => {} }, peers: { call: () => Promise.reject(new Error('no peers')) }, codec, log: pino({ level: 'silent' }),
  });
  core.start();
  cores.push(core);
  return { core, engine };
}

afterEach(() => {
  for (const c of cores.splice(0)) c.stop();
});

describe('handleRequest on a lone node', () => {
  it('answers a get synchronously with the value, siblings and context a put left, under the request id', async () => {
    const { core } = await lone();
    const put = await handleRequest(core, codec, { type: 'put', id: 1, key: 'k', value: new Uint8Array([7, 8]) });
    expect(put.type).toBe('put-ok');
    const got = handleRequest(core, codec, { type: 'get', id: 2, key: 'k' });
    expect(got).not.toBeInstanceOf(Promise);
    const reply = got as NodeReply;
    expect(reply.type === 'get-ok' && reply.id === 2 && reply.found).toBe(true);
    if (reply.type !== 'get-ok' || put.type !== 'put-ok') throw new Error('unreachable');
    expect(reply.siblings.map((x) => ('value' in x ? [...x.value] : 'tombstone'))).toEqual([[7, 8]]);
    expect(Buffer.from(reply.context)).toEqual(Buffer.from(put.context));
  });

  it('answers a get asking a receipt through the coordinator (a promise), with the same siblings', async () => {
    const { core } = await lone();
    await handleRequest(core, codec, { type: 'put', id: 1, key: 'k', value: new Uint8Array([1]) });
    const got = handleRequest(core, codec, { type: 'get', id: 3, key: 'k', options: { receipt: true } });
    expect(got).toBeInstanceOf(Promise);
    const reply = await got;
    expect(reply.type === 'get-ok' && reply.id === 3 && reply.siblings.length === 1 && reply.receipt !== undefined).toBe(true);
  });

  it('answers an unmeetable R and a corrupt record with error replies carrying the request id, synchronously', async () => {
    const { core, engine } = await lone();
    const tooMany = handleRequest(core, codec, { type: 'get', id: 4, key: 'k', options: { r: 2 } }) as NodeReply;
    expect(tooMany.type === 'error' && tooMany.id === 4 && tooMany.code).toBe('unavailable');
    await engine.batch([{ type: 'put', key: storageKey('bad'), value: new Uint8Array([0x93, 1, 2]) }]);
    const corrupt = handleRequest(core, codec, { type: 'get', id: 5, key: 'bad' }) as NodeReply;
    expect(corrupt.type === 'error' && corrupt.id === 5 && corrupt.code).toBe('internal');
  });

  it('answers a key never written as not found with the empty context', async () => {
    const { core } = await lone();
    const reply = handleRequest(core, codec, { type: 'get', id: 6, key: 'never' }) as NodeReply;
    expect(reply.type === 'get-ok' && reply.found === false && reply.siblings.length === 0 && reply.context.length > 0).toBe(true);
  });
});
