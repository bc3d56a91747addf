import { describe, expect, it } from 'vitest';
import { isNodeServerError } from './errors.js';
import * as L from './limits.js';
import * as AE from './anti-entropy/limits.js';
import { isLoopbackHost, resolveOptions, withAgreedSettings, type NodeOptions } from './options.js';

describe('resolveOptions', () => {
  it('fills the documented defaults', () => {
    const o = resolveOptions({ id: 'n1', dataDir: '/tmp/x' });
    expect(o).toMatchObject({
      host: '127.0.0.1',
      port: 0,
      durability: 'interval',
      valueBytesMax: L.valueBytesMaxDefault,
      frameBytesMax: L.frameBytesMaxDefault,
      inFlightPerConnectionMax: L.inFlightPerConnectionMaxDefault,
      connectionsMax: L.connectionsMaxDefault,
      headersTimeoutMs: L.headersTimeoutMsDefault,
      anonymousSocketsMax: L.anonymousSocketsMaxDefault,
      connectionsPerAddressMax: L.connectionsPerAddressMaxDefault,
    });
    expect(o.setBytesMax).toBe(L.frameBytesMaxDefault - L.replyOverheadBytes);
  });

  it('fills the partial-frame bounds and raises partialFrameBytesMax to at least one frame', () => {
    const o = resolveOptions({ id: 'n1', dataDir: '/tmp/x' });
    expect([o.frameReadTimeoutMs, o.partialFrameBytesMax]).toEqual([30_000, 256 * 1024 * 1024]);
    expect(resolveOptions({ id: 'n1', dataDir: '/tmp/x', partialFrameBytesMax: 2048 }).partialFrameBytesMax).toBe(o.frameBytesMax);
  });

  it('raises the frame bound so a reply holds two max-size values', () => {
    const o = resolveOptions({ id: 'n1', dataDir: '/tmp/x', valueBytesMax: 8 * 1024 * 1024 });
    expect(o.setBytesMax).toBeGreaterThanOrEqual(2 * 8 * 1024 * 1024);
    expect(o.frameBytesMax).toBeGreaterThan(o.setBytesMax);
  });

  it('refuses a token-less public bind with a message naming the fix', () => {
    try {
      resolveOptions({ id: 'n1', dataDir: '/tmp/x', host: '10.0.0.5' });
      expect.unreachable();
    } catch (e) {
      expect(isNodeServerError(e) && e.code).toBe('invalid-option');
      expect((e as Error).message).toMatch(/^node-server: .*authToken/);
    }
    expect(resolveOptions({ id: 'n1', dataDir: '/tmp/x', host: '10.0.0.5', authToken: 't', clusterSecret: 's', allowInsecurePublicBind: true }).host).toBe('10.0.0.5');
  });

  it('refuses socket admission bounds out of range (issue 15)', () => {
    for (const bad of [{ headersTimeoutMs: 0 }, { headersTimeoutMs: L.headersTimeoutMsLimit + 1 }, { anonymousSocketsMax: 0 }, { connectionsPerAddressMax: 0 }, { connectionsPerAddressMax: 1.5 }]) {
      expect(() => resolveOptions({ id: 'n1', dataDir: '/tmp/x', ...bad }), JSON.stringify(bad)).toThrow(/invalid|must|option/);
    }
  });

  it('knows loopback hosts', () => {
    expect(['127.0.0.1', '127.1.2.3', 'localhost', '::1'].every(isLoopbackHost)).toBe(true);
    expect(['0.0.0.0', '10.0.0.1', '::', 'example.com'].some(isLoopbackHost)).toBe(false);
  });
});

describe('cluster options', () => {
  const invalid = (o: Record<string, unknown>): boolean => {
    try {
      resolveOptions({ id: 'n1', dataDir: '/tmp/x', ...o });
      return false;
    } catch (error) {
      return isNodeServerError(error) && error.code === 'invalid-option';
    }
  };

  it('gives a node N=3, R=2, W=2, sloppy with seeds and without (a lone first node founds the cluster settings)', () => {
    expect(resolveOptions({ id: 'n1', dataDir: '/tmp/x' }).cluster).toMatchObject({ n: 3, r: 2, w: 2, mode: 'sloppy', seeds: [] });
    expect(resolveOptions({ id: 'n1', dataDir: '/tmp/x', seeds: ['127.0.0.1:7001'] }).cluster).toMatchObject({
      n: 3, r: 2, w: 2, mode: 'sloppy', seeds: ['ws://127.0.0.1:7001'], requestTimeoutMs: L.requestTimeoutMsDefault, vnodes: L.vnodesDefault,
    });
  });

  it('records which cluster settings were given explicitly, and caps defaulted quorums to an explicit N', () => {
    const o = resolveOptions({ id: 'n1', dataDir: '/tmp/x', n: 1, mode: 'strict', tombstoneGraceMs: 20_000_000 });
    // An explicit n is also an explicit replication (n replicas, one DC): it conflicts with a cluster's map.
    expect([...o.candidate.explicit].sort()).toEqual(['mode', 'n', 'replicas', 'tombstoneGraceMs']);
    expect(o.candidate.values).toEqual({ n: 1, replicas: '1', r: 1, w: 1, mode: 'strict', readRepair: 'local', hintTtlMs: L.hintTtlMsDefault, tombstoneGraceMs: 20_000_000, antiEntropyBucketsLog2: 16 });
    expect(resolveOptions({ id: 'n1', dataDir: '/tmp/x' }).candidate.explicit.size).toBe(0);
  });

  it('takes dc, rack and machine labels, with zone as an alias of rack, and refuses a zone that differs from the rack', () => {
    const o = resolveOptions({ id: 'n1', dataDir: '/tmp/x', dc: 'dc1', zone: 'r1', machine: 'host-a' });
    expect(o.cluster).toMatchObject({ dc: 'dc1', zone: 'r1', machine: 'host-a' });
    expect(resolveOptions({ id: 'n1', dataDir: '/tmp/x', rack: 'r2' }).cluster.zone).toBe('r2');
    expect(resolveOptions({ id: 'n1', dataDir: '/tmp/x' }).cluster).toMatchObject({ dc: '', zone: '', machine: '' });
    expect(invalid({ rack: 'r1', zone: 'r2' })).toBe(true);
    expect(invalid({ dc: 'x'.repeat(65) })).toBe(true);
    expect(invalid({ machine: 'bad\nlabel' })).toBe(true);
  });

  it('takes a replication map as a cluster setting whose sum is N, and refuses a malformed one or an n that differs', () => {
    const o = resolveOptions({ id: 'n1', dataDir: '/tmp/x', replicas: { dc2: 2, dc1: 3 } });
    expect(o.cluster.n).toBe(5);
    expect(o.cluster.replicas).toEqual({ dc1: 3, dc2: 2 });
    expect(o.candidate.values.replicas).toBe('dc1:3,dc2:2');
    expect(o.candidate.explicit.has('replicas')).toBe(true);
    expect(resolveOptions({ id: 'n1', dataDir: '/tmp/x', replicas: { dc1: 2 }, n: 2 }).cluster.n).toBe(2);
    expect(invalid({ replicas: { dc1: 3 }, n: 2 })).toBe(true);
    expect(invalid({ replicas: {} })).toBe(true);
    expect(invalid({ replicas: { dc1: 0 } })).toBe(true);
    expect(invalid({ replicas: { dc1: 10, dc2: 10 } })).toBe(true);
    expect(invalid({ replicas: 3 as never })).toBe(true);
    expect(resolveOptions({ id: 'n1', dataDir: '/tmp/x', replicas: 'dc2:1,dc1:2' }).cluster).toMatchObject({ n: 3, replicas: { dc1: 2, dc2: 1 } });
    expect(invalid({ replicas: 'dc1:3,dc1:2' })).toBe(true);
    expect(invalid({ replicas: '3' })).toBe(true);
  });

  it('takes readRepair local (the default) or global as an agreed cluster setting, and refuses anything else', () => {
    expect(resolveOptions({ id: 'n1', dataDir: '/tmp/x' }).cluster.readRepair).toBe('local');
    const o = resolveOptions({ id: 'n1', dataDir: '/tmp/x', readRepair: 'global' });
    expect(o.candidate.values.readRepair).toBe('global');
    expect(o.candidate.explicit.has('readRepair')).toBe(true);
    expect(invalid({ readRepair: 'everywhere' as never })).toBe(true);
  });

  it('withAgreedSettings replaces only the cluster settings', () => {
    const o = resolveOptions({ id: 'n1', dataDir: '/tmp/x', port: 7100 });
    const agreed = { n: 5, replicas: '5', r: 3, w: 4, mode: 'strict' as const, readRepair: 'global' as const, hintTtlMs: 1_000, tombstoneGraceMs: 2_000, antiEntropyBucketsLog2: 10 };
    const a = withAgreedSettings(o, agreed);
    expect(a.cluster).toMatchObject({ n: 5, r: 3, w: 4, mode: 'strict', readRepair: 'global', hintTtlMs: 1_000, vnodes: o.cluster.vnodes });
    expect(a.antiEntropy).toMatchObject({ tombstoneGraceMs: 2_000, bucketsLog2: 10, intervalMs: o.antiEntropy.intervalMs });
    expect(a.port).toBe(7100);
  });

  it('accepts seeds as host:port or ws URLs and refuses anything else', () => {
    expect(resolveOptions({ id: 'n1', dataDir: '/tmp/x', seeds: ['ws://h:1/', 'localhost:7000'] }).cluster.seeds).toEqual(['ws://h:1', 'ws://localhost:7000']);
    expect(invalid({ seeds: ['no-port'] })).toBe(true);
    expect(resolveOptions({ id: 'n1', dataDir: '/tmp/x', advertiseUrl: '10.0.0.5:7070' }).advertiseUrl).toBe('ws://10.0.0.5:7070');
    expect(invalid({ seeds: 'h:1' })).toBe(true);
  });

  it('refuses R or W above N and N above 16', () => {
    expect(invalid({ n: 2, r: 3 })).toBe(true);
    expect(invalid({ n: 2, w: 3 })).toBe(true);
    expect(invalid({ n: 17 })).toBe(true);
    expect(invalid({ mode: 'eventual' })).toBe(true);
    expect(invalid({ weight: 0 })).toBe(true);
  });

  it('refuses a public host with seeds but no cluster secret, unless insecure binds are allowed', () => {
    expect(invalid({ host: '0.0.0.0', allowInsecurePublicBind: true, seeds: ['h:1'] })).toBe(false);
    expect(invalid({ host: '0.0.0.0', authToken: 't', seeds: ['h:1'], clusterSecret: 's', allowInsecurePublicBind: true })).toBe(false);
  });

  it('refuses an auth token without a cluster secret, with or without seeds or insecure binds (issue 15: peer calls bypassed the token)', () => {
    expect(invalid({ authToken: 't' })).toBe(true);
    expect(invalid({ authToken: 't', seeds: ['h:1'] })).toBe(true);
    expect(invalid({ host: '0.0.0.0', authToken: 't', seeds: ['h:1'], allowInsecurePublicBind: true })).toBe(true);
    expect(invalid({ authToken: 't', clusterSecret: 's' })).toBe(false);
  });

  it('fills the anti-entropy defaults and accepts 0 as "no periodic pass"', () => {
    expect(resolveOptions({ id: 'n1', dataDir: '/tmp/x' }).antiEntropy).toEqual({
      intervalMs: AE.aeIntervalMsDefault, bytesPerSecond: AE.aeBytesPerSecondDefault, bucketsLog2: AE.aeBucketsLog2Default, tombstoneGraceMs: AE.tombstoneGraceMsDefault,
    });
    const o = resolveOptions({ id: 'n1', dataDir: '/tmp/x', antiEntropyIntervalMs: 0, antiEntropyBytesPerSec: 1 << 20, antiEntropyBucketsLog2: 12, tombstoneGraceMs: 3 * 3_600_000 });
    expect(o.antiEntropy).toEqual({ intervalMs: 0, bytesPerSecond: 1 << 20, bucketsLog2: 12, tombstoneGraceMs: 3 * 3_600_000 });
  });

  it('refuses a tombstone grace period shorter than the hint TTL, and accepts a short one with a shorter TTL', () => {
    expect(() => resolveOptions({ id: 'n1', dataDir: '/tmp/x', tombstoneGraceMs: 3 * 3_600_000 - 1 })).toThrow(/tombstoneGraceMs .* must be at least hintTtlMs/);
    expect(() => resolveOptions({ id: 'n1', dataDir: '/tmp/x', hintTtlMs: 60_000, tombstoneGraceMs: 59_999 })).toThrow(/at least hintTtlMs \(60000\)/);
    expect(resolveOptions({ id: 'n1', dataDir: '/tmp/x', hintTtlMs: 1_000, tombstoneGraceMs: 1_000 }).antiEntropy.tombstoneGraceMs).toBe(1_000);
    expect(() => resolveOptions({ id: 'n1', dataDir: '/tmp/x', tombstoneGraceMs: AE.tombstoneGraceMsMax + 1 })).toThrow(/tombstoneGraceMs/);
  });

  it('refuses out-of-range anti-entropy options, naming the option', () => {
    const bad: [keyof NodeOptions, unknown][] = [
      ['antiEntropyIntervalMs', -1], ['antiEntropyIntervalMs', 1.5], ['antiEntropyIntervalMs', AE.aeIntervalMsMax + 1],
      ['antiEntropyBytesPerSec', AE.aeBytesPerSecondMin - 1], ['antiEntropyBytesPerSec', '1000000'],
      ['antiEntropyBucketsLog2', AE.aeBucketsLog2Min - 1], ['antiEntropyBucketsLog2', AE.aeBucketsLog2Max + 1],
    ];
    for (const [name, value] of bad) {
      let error: unknown;
      try {
        resolveOptions({ id: 'n1', dataDir: '/tmp/x', [name]: value } as NodeOptions);
      } catch (e) {
        error = e;
      }
      expect(isNodeServerError(error) && error.code, `${name}=${String(value)}`).toBe('invalid-option');
      expect((error as Error).message).toContain(name);
    }
  });
});
