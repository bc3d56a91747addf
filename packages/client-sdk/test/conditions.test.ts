/** ttl and conditional writes (issue 18) through the SDK against a real node started in this process on loopback. */

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNode, type RingkvNode } from '@ringkv/node-server';
import { connect, type RingkvClient, type RingkvError } from '@ringkv/client-sdk';

let dir: string;
let node: RingkvNode;
let client: RingkvClient;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ringkv-sdk-cond-'));
  node = await startNode({ id: 'cond', port: 0, dataDir: join(dir, 'data'), durability: 'none', logLevel: 'silent' });
  client = await connect(node.url);
});
afterAll(async () => {
  await client?.close();
  await node?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function failure(promise: Promise<unknown>): Promise<RingkvError> {
  return promise.then(
    () => {
      throw new Error('expected a failure');
    },
    (e: unknown) => e as RingkvError,
  );
}

/** Polls `check` until it holds, for at most `deadlineMs` of wall time (a loaded machine may be slow; nothing here asserts a duration). */
async function eventually(check: () => Promise<boolean>, deadlineMs = 30_000): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('ttl', () => {
  it('keeps a value with a long ttl readable and stops returning one whose ttl passed', async () => {
    await client.put('ttl:long', 'stays', { ttl: 3_600_000 });
    expect((await client.get('ttl:long')).values).toEqual(['stays']);
    await client.put('ttl:short', 'goes', { ttl: 200 });
    await eventually(async () => !(await client.get('ttl:short')).found);
    const gone = await client.get('ttl:short');
    expect(gone.siblings).toEqual([]);
    // The context still covers the expired version: a write with it leaves one sibling.
    await client.put('ttl:short', 'again', { context: gone.context });
    expect((await client.get('ttl:short')).values).toEqual(['again']);
  });

  it('refuses a bad ttl with invalid-argument before sending anything', async () => {
    for (const ttl of [0, -1, 1.5, 315_360_000_001, Number.NaN, '30s']) {
      const error = await failure(client.put('ttl:bad', 'v', { ttl } as never));
      expect(error.code, String(ttl)).toBe('invalid-argument');
      expect(error.message).toContain('ttl must be an integer number of ms');
    }
    expect((await client.get('ttl:bad')).found).toBe(false);
    expect((await failure(client.delete('ttl:bad', { ttl: 5 } as never))).code).toBe('invalid-argument');
  });
});

describe('conditional writes', () => {
  it('ifAbsent: grants the first write, refuses the next with the current versions, and counts a deleted key as absent', async () => {
    await client.put('cond:absent', 'first', { ifAbsent: true });
    const error = await failure(client.put('cond:absent', 'second', { ifAbsent: true }));
    expect(error).toMatchObject({ code: 'condition-failed', indeterminate: false, retryable: false });
    expect(error.current?.values).toEqual(['first']);
    expect(error.current?.found).toBe(true);
    expect((await client.get('cond:absent')).values).toEqual(['first']);
    await client.delete('cond:absent', { context: error.current?.context as Uint8Array });
    await client.put('cond:absent', 'third', { ifAbsent: true });
    const read = await client.get('cond:absent');
    expect(read.values).toEqual(['third']);
    expect(read.siblings).toHaveLength(1); // the write carried the read's context: it superseded the tombstone
  });

  it('ifAbsent: counts a key whose only value expired as absent', async () => {
    await client.put('cond:expired', 'short', { ttl: 100 });
    await eventually(async () => !(await client.get('cond:expired')).found);
    await client.put('cond:expired', 'next', { ifAbsent: true });
    expect((await client.get('cond:expired')).values).toEqual(['next']);
  });

  it('ifMatch: grants a write whose context covers what is stored and refuses a stale one', async () => {
    await client.put('cond:match', 'v1');
    const read = await client.get('cond:match');
    const written = await client.put('cond:match', 'v2', { context: read.context, ifMatch: true });
    const stale = await failure(client.put('cond:match', 'v3', { context: read.context, ifMatch: true }));
    expect(stale.code).toBe('condition-failed');
    expect(stale.current?.values).toEqual(['v2']);
    const staleDelete = await failure(client.delete('cond:match', { context: read.context, ifMatch: true }));
    expect(staleDelete.code).toBe('condition-failed');
    await client.delete('cond:match', { context: written.context, ifMatch: true });
    expect((await client.get('cond:match')).found).toBe(false);
  });

  it('refuses ifMatch without a context and ifAbsent with ifMatch as invalid-argument', async () => {
    expect((await failure(client.put('cond:bad', 'v', { ifMatch: true }))).code).toBe('invalid-argument');
    const read = await client.get('cond:bad');
    expect((await failure(client.put('cond:bad', 'v', { context: read.context, ifMatch: true, ifAbsent: true }))).code).toBe('invalid-argument');
    expect((await failure(client.put('cond:bad', 'v', { ifAbsent: 'yes' } as never))).code).toBe('invalid-argument');
  });
});
