import { describe, expect, it } from 'vitest';
import { isCliError } from '../errors.js';
import { shardArgs, shardCount } from './shards.js';

const io = { env: {} };

function usageOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return isCliError(error) ? error.code : 'other';
  }
  return undefined;
}

describe('ringkv start --shards', () => {
  it('gives shard i the id <id>-shard<i>, port + i, <data>/shard<i>, one machine label, the other shards as seeds, and every other flag', () => {
    const flags = { shards: '3', id: 'db', port: '7100', data: '/d', seeds: '10.0.0.9:7000', dc: 'dc1', 'log-level': 'warn', join: true };
    const one = shardArgs(flags, 3, 1, io, 'host-a');
    expect(one.id).toBe('db-shard1');
    expect(one.port).toBe(7101);
    const args = one.args.slice(2);
    expect(args).toEqual(['--dc', 'dc1', '--log-level', 'warn', '--join', '--id', 'db-shard1', '--port', '7101', '--data', '/d/shard1', '--machine', 'host-a', '--seeds', 'ws://10.0.0.9:7000,127.0.0.1:7100,127.0.0.1:7102']);
    expect(shardArgs({ ...flags, machine: 'rack7-box3' }, 3, 0, io, 'host-a').args).toContain('rack7-box3');
  });

  it('refuses a count outside 1…64 and a port of 0 as usage errors', () => {
    expect(shardCount({})).toBeUndefined();
    expect(shardCount({ shards: '4' })).toBe(4);
    expect(usageOf(() => shardCount({ shards: '0' }))).toBe('usage');
    expect(usageOf(() => shardCount({ shards: '65' }))).toBe('usage');
    expect(usageOf(() => shardCount({ shards: 'x' }))).toBe('usage');
    expect(usageOf(() => shardArgs({ shards: '2', port: '0' }, 2, 0, io))).toBe('usage');
    expect(usageOf(() => shardArgs({ shards: '2', port: '65535' }, 2, 0, io))).toBe('usage');
  });
});
