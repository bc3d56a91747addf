import { describe, expect, it } from 'vitest';
import type { StartConfig } from '../config.js';
import { flagNames, readyLine } from './start.js';

describe('flagNames', () => {
  it('names flags instead of option fields in node errors', () => {
    expect(flagNames('host 0.0.0.0 is public: set authToken, or allowInsecurePublicBind: true to serve without one')).toBe(
      'host 0.0.0.0 is public: set --auth-token, or --allow-insecure-public-bind to serve without one',
    );
    expect(flagNames('dataDir /x is locked; valueBytesMax too large')).toBe('--data /x is locked; --value-bytes-max too large');
  });

  it('names the flags of the node\'s tombstone check', () => {
    expect(flagNames('option tombstoneGraceMs (5) must be at least hintTtlMs (10800000): a hint may replay a deleted value')).toBe(
      '--tombstone-grace-ms (5) must be at least --hint-ttl-ms (10800000): a hint may replay a deleted value',
    );
  });

  it('names one-word options by their flag too: --r, not "option r"', () => {
    expect(flagNames('option r must be an integer in [1, 3], got 5')).toBe('--r must be an integer in [1, 3], got 5');
    expect(flagNames('option mode must be one of sloppy, strict, got x')).toBe('--mode must be one of sloppy, strict, got x');
    expect(flagNames('option bogus is odd')).toBe('option bogus is odd');
  });
});

describe('readyLine', () => {
  const config = (seeds: string[], join?: boolean): Pick<StartConfig, 'dataDir' | 'durability' | 'cluster'> => ({ dataDir: '/d', durability: 'interval', cluster: { seeds, ...(join === undefined ? {} : { join }) } });

  it('prints the seeds as given on a plain node, and nothing for none', () => {
    const node = { id: 'n2', url: 'ws://127.0.0.1:7001', httpUrl: 'http://127.0.0.1:7001' };
    expect(readyLine(node, config(['ws://127.0.0.1:7000', 'ws://h:7002'], true))).toBe(
      'ringkv node n2 ready url=ws://127.0.0.1:7001 http=http://127.0.0.1:7001 data=/d durability=interval seeds=ws://127.0.0.1:7000,ws://h:7002 join=true',
    );
    expect(readyLine(node, config([]))).toBe('ringkv node n2 ready url=ws://127.0.0.1:7001 http=http://127.0.0.1:7001 data=/d durability=interval');
  });

  it('prints wss:// seeds on a TLS node, as it dials them', () => {
    const node = { id: 'n2', url: 'wss://127.0.0.1:7001', httpUrl: 'https://127.0.0.1:7001' };
    expect(readyLine(node, config(['ws://127.0.0.1:7000', 'wss://h:7002']))).toMatch(/ seeds=wss:\/\/127\.0\.0\.1:7000,wss:\/\/h:7002$/);
  });
});
