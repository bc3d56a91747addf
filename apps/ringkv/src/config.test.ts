import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hostnameId, resolveStartConfig, type StartEnvironment } from './config.js';
import { isCliError } from './errors.js';
import { defaultDataRoot, defaultPort, fallbackNodeId } from './limits.js';

function environment(env: Record<string, string> = {}, files: Record<string, string> = {}, hostname = 'box'): StartEnvironment {
  return {
    env,
    hostname,
    readFile: (path) => {
      const text = files[path];
      if (text === undefined) throw new Error(`ENOENT: ${path}`);
      return text;
    },
  };
}

/** The exit code of the CliError `attempt` throws; throws when it accepts. */
function exit(attempt: () => unknown): number {
  try {
    attempt();
  } catch (error) {
    return (error as { exitCode: number }).exitCode;
  }
  throw new Error('accepted');
}

describe('resolveStartConfig', () => {
  it('works with nothing given: id from the hostname, data under .ringkv/<id>, the default port', () => {
    const c = resolveStartConfig({}, environment({}, {}, 'db-7.example.org'));
    expect(c).toMatchObject({ id: 'db-7', host: '127.0.0.1', port: defaultPort, durability: 'interval', logLevel: 'info' });
    expect(c.dataDir).toBe(join(defaultDataRoot, 'db-7'));
  });

  it('serves /status and /metrics without a token only with --metrics-public (flag, $RINGKV_METRICS_PUBLIC or metricsPublic in the file)', () => {
    expect(resolveStartConfig({}, environment({}, {})).metricsPublic).toBe(false);
    expect(resolveStartConfig({ 'metrics-public': true }, environment({}, {})).metricsPublic).toBe(true);
    expect(resolveStartConfig({}, environment({ RINGKV_METRICS_PUBLIC: 'true' }, {})).metricsPublic).toBe(true);
    expect(resolveStartConfig({}, environment({ RINGKV_CONFIG: '/c.json' }, { '/c.json': JSON.stringify({ metricsPublic: true }) })).metricsPublic).toBe(true);
  });

  it('takes flags over env over the config file over defaults', () => {
    const files = { '/c.json': JSON.stringify({ id: 'file', port: 1001, durability: 'none', host: '127.0.0.2', authToken: 'ft' }) };
    const env = { RINGKV_CONFIG: '/c.json', RINGKV_PORT: '1002', RINGKV_ID: 'env' };
    const c = resolveStartConfig({ id: 'flag' }, environment(env, files));
    expect(c).toMatchObject({ id: 'flag', port: 1002, durability: 'none', host: '127.0.0.2', authToken: 'ft', configFile: '/c.json' });
    expect(resolveStartConfig({}, environment(env, files)).id).toBe('env');
    expect(resolveStartConfig({}, environment({ RINGKV_CONFIG: '/c.json' }, files)).id).toBe('file');
    expect(resolveStartConfig({ port: '0' }, environment(env, files)).port).toBe(0);
  });

  it('takes --log-format json|pretty from a flag or $RINGKV_LOG_FORMAT, and leaves it undefined (by terminal) otherwise', () => {
    expect(resolveStartConfig({ 'log-format': 'pretty' }, environment()).logFormat).toBe('pretty');
    expect(resolveStartConfig({}, environment({ RINGKV_LOG_FORMAT: 'json' })).logFormat).toBe('json');
    expect(resolveStartConfig({}, environment()).logFormat).toBeUndefined();
  });

  it('names the source of a bad value', () => {
    const attempts: Array<[() => unknown, RegExp]> = [
      [() => resolveStartConfig({ port: '70000' }, environment()), /--port/],
      [() => resolveStartConfig({}, environment({ RINGKV_DURABILITY: 'often' })), /\$RINGKV_DURABILITY/],
      [() => resolveStartConfig({ config: '/c.json' }, environment({}, { '/c.json': '{"port":"x"}' })), /\/c\.json: port/],
      [() => resolveStartConfig({ config: '/c.json' }, environment({}, { '/c.json': '{"prot":1}' })), /unknown key "prot"/],
      [() => resolveStartConfig({ config: '/c.json' }, environment({}, { '/c.json': '{' })), /not JSON/],
      [() => resolveStartConfig({ config: '/missing.json' }, environment()), /cannot read/],
      [() => resolveStartConfig({ id: 'a b' }, environment()), /id "a b"/],
      [() => resolveStartConfig({}, environment({ RINGKV_LOG_FORMAT: 'xml' })), /\$RINGKV_LOG_FORMAT/],
    ];
    for (const [attempt, pattern] of attempts) {
      try {
        attempt();
        throw new Error(`accepted, expected ${pattern}`);
      } catch (error) {
        expect(isCliError(error), String(error)).toBe(true);
        expect((error as Error).message).toMatch(pattern);
      }
    }
  });

  it('an unknown key in the config file is an invalid setting (exit 2); an unreadable file exits 1', () => {
    expect(exit(() => resolveStartConfig({ config: '/c.json' }, environment({}, { '/c.json': '{"prot":1}' })))).toBe(2);
    expect(exit(() => resolveStartConfig({ config: '/missing.json' }, environment()))).toBe(1);
  });

  it('takes seeds as ports, host:port, ws:// or http:// URLs', () => {
    const c = resolveStartConfig({ seeds: '7001,h:7002,ws://h:7003,http://h:7004' }, environment());
    expect(c.cluster.seeds).toEqual(['ws://127.0.0.1:7001', 'ws://h:7002', 'ws://h:7003', 'ws://h:7004']);
  });

  it('hostnameId falls back to node1 for hostnames that are not ids', () => {
    expect(hostnameId('web1')).toBe('web1');
    expect(hostnameId('')).toBe(fallbackNodeId);
    expect(hostnameId('-weird')).toBe(fallbackNodeId);
  });
});

describe('resolveStartConfig cluster options', () => {
  it('reads seeds, quorums, mode and placement from flags over env over the config file', () => {
    const files = { 'c.json': JSON.stringify({ seeds: ['10.0.0.1:7000', 'ws://10.0.0.2:7000'], n: 5, mode: 'strict', zone: 'file-zone' }) };
    const c = resolveStartConfig(
      { config: 'c.json', r: '3', weight: '0.5' },
      environment({ RINGKV_SEEDS: 'a:1,b:2', RINGKV_W: '2', RINGKV_CLUSTER_SECRET: 's3cret' }, files),
    );
    expect(c.cluster).toEqual({ seeds: ['ws://a:1', 'ws://b:2'], clusterSecret: 's3cret', n: 5, r: 3, w: 2, mode: 'strict', weight: 0.5, rack: 'file-zone', machine: 'box' });
    const fromFile = resolveStartConfig({ config: 'c.json' }, environment({}, files));
    expect(fromFile.cluster.seeds).toEqual(['ws://10.0.0.1:7000', 'ws://10.0.0.2:7000']);
    expect(resolveStartConfig({}, environment()).cluster).toEqual({ seeds: [], machine: 'box' });
  });

  it('reads --dc, --rack (--zone its alias), --machine (default the hostname) and --replicas', () => {
    const c = resolveStartConfig({ dc: 'dc1', rack: 'r1', machine: 'host-a', replicas: 'dc1:3,dc2:2' }, environment());
    expect(c.cluster).toEqual({ seeds: [], dc: 'dc1', rack: 'r1', machine: 'host-a', replicas: 'dc1:3,dc2:2' });
    expect(resolveStartConfig({ zone: 'r2' }, environment({}, {}, 'db-7.example.org')).cluster).toEqual({ seeds: [], rack: 'r2', machine: 'db-7.example.org' });
    expect(resolveStartConfig({}, environment({ RINGKV_DC: 'dc2', RINGKV_MACHINE: 'm9' })).cluster).toMatchObject({ dc: 'dc2', machine: 'm9' });
    // A plain count is --n.
    expect(resolveStartConfig({ replicas: '5' }, environment()).cluster).toMatchObject({ n: 5 });
    expect(resolveStartConfig({ replicas: '5', n: '5' }, environment()).cluster.replicas).toBeUndefined();
  });

  it('reads --read-repair (or $RINGKV_READ_REPAIR) as the readRepair cluster setting', () => {
    expect(resolveStartConfig({ 'read-repair': 'global' }, environment()).cluster).toMatchObject({ readRepair: 'global' });
    expect(resolveStartConfig({}, environment({ RINGKV_READ_REPAIR: 'local' })).cluster).toMatchObject({ readRepair: 'local' });
  });

  it('reads --wan-relay (on), --no-wan-relay (off, over the environment and the file), $RINGKV_WAN_RELAY and wanRelay in the file; absent: the node\'s default', () => {
    const relay = (flags: Parameters<typeof resolveStartConfig>[0], env: Record<string, string> = {}, file?: object) =>
      resolveStartConfig(flags, environment(file === undefined ? env : { ...env, RINGKV_CONFIG: '/c.json' }, file === undefined ? {} : { '/c.json': JSON.stringify(file) })).cluster.wanRelay;
    expect(relay({})).toBeUndefined();
    expect(relay({ 'wan-relay': true })).toBe(true);
    expect(relay({ 'no-wan-relay': true })).toBe(false);
    expect(relay({}, { RINGKV_WAN_RELAY: 'false' })).toBe(false);
    expect(relay({}, {}, { wanRelay: false })).toBe(false);
    expect(relay({ 'no-wan-relay': true }, { RINGKV_WAN_RELAY: 'true' }, { wanRelay: true })).toBe(false);
    expect(relay({ 'wan-relay': true }, { RINGKV_WAN_RELAY: 'false' })).toBe(true);
    expect(exit(() => relay({ 'wan-relay': true, 'no-wan-relay': true }))).toBe(2);
    expect(exit(() => relay({}, { RINGKV_WAN_RELAY: 'maybe' }))).toBe(2);
    expect(exit(() => relay({}, {}, { noWanRelay: true }))).toBe(2);
  });

  it('refuses a --zone that differs from --rack, and a plain --replicas that differs from --n, as usage errors', () => {
    for (const flags of [{ zone: 'a', rack: 'b' }, { replicas: '3', n: '2' }, { replicas: '0' }, { machine: '' }]) {
      let code: string | undefined;
      try {
        resolveStartConfig(flags, environment());
      } catch (error) {
        code = isCliError(error) ? error.code : 'other';
      }
      expect(code, JSON.stringify(flags)).toBe('usage');
    }
  });

  it('refuses bad cluster values naming their source', () => {
    const cases: Array<[Parameters<typeof resolveStartConfig>[0], Record<string, string>, RegExp]> = [
      [{ mode: 'eventual' }, {}, /--mode must be sloppy \| strict/],
      [{ 'read-repair': 'everywhere' }, {}, /--read-repair must be local \| global/],
      [{ seeds: 'no-port-here' }, {}, /--seeds must be a comma-separated list of host:port/],
      [{}, { RINGKV_N: '0' }, /\$RINGKV_N must be an integer in 1…16/],
      [{ weight: '-1' }, {}, /--weight must be a number in \(0, 64\]/],
    ];
    for (const [flags, env, message] of cases) expectUsageError(flags, env, message);
  });
});

describe('resolveStartConfig anti-entropy options', () => {
  it('reads them from flags over env over the config file, and passes them on only when set', () => {
    const files = { 'c.json': JSON.stringify({ antiEntropyIntervalMs: 5000, antiEntropyBytesPerSec: 1048576, antiEntropyBucketsLog2: 12 }) };
    const c = resolveStartConfig(
      { config: 'c.json', 'anti-entropy-interval-ms': '0' },
      environment({ RINGKV_ANTI_ENTROPY_BYTES_PER_SEC: '2097152' }, files),
    );
    expect(c.cluster).toEqual({ seeds: [], antiEntropyIntervalMs: 0, antiEntropyBytesPerSec: 2097152, antiEntropyBucketsLog2: 12, machine: 'box' });
    expect(resolveStartConfig({}, environment()).cluster).not.toHaveProperty('antiEntropyIntervalMs');
  });

  it('refuses out-of-range anti-entropy values naming their source', () => {
    const cases: Array<[Parameters<typeof resolveStartConfig>[0], Record<string, string>, RegExp]> = [
      [{ 'anti-entropy-interval-ms': '-5' }, {}, /--anti-entropy-interval-ms must be an integer/],
      [{}, { RINGKV_ANTI_ENTROPY_BUCKETS_LOG2: '21' }, /\$RINGKV_ANTI_ENTROPY_BUCKETS_LOG2 must be an integer in 8…20/],
      [{ 'anti-entropy-bytes-per-sec': '100' }, {}, /--anti-entropy-bytes-per-sec must be an integer in 65536…/],
    ];
    for (const [flags, env, message] of cases) expectUsageError(flags, env, message);
  });
});

describe('resolveStartConfig topology options', () => {
  it('reads --join and --stream-bytes-per-sec from flags, env or the config file, and passes them on only when set', () => {
    const files = { 'c.json': JSON.stringify({ join: true, seeds: ['127.0.0.1:7000'], streamBytesPerSec: 1048576 }) };
    expect(resolveStartConfig({ config: 'c.json' }, environment({}, files)).cluster).toMatchObject({ join: true, streamBytesPerSec: 1048576 });
    const fromEnv = resolveStartConfig({ seeds: '127.0.0.1:7000' }, environment({ RINGKV_JOIN: '1', RINGKV_STREAM_BYTES_PER_SEC: '2097152' }));
    expect(fromEnv.cluster).toMatchObject({ join: true, streamBytesPerSec: 2097152 });
    expect(resolveStartConfig({ join: true, seeds: '127.0.0.1:7000' }, environment({ RINGKV_JOIN: 'false' })).cluster.join).toBe(true);
    const plain = resolveStartConfig({ seeds: '127.0.0.1:7000' }, environment()).cluster;
    expect(plain).not.toHaveProperty('join');
    expect(plain).not.toHaveProperty('streamBytesPerSec');
  });

  it('refuses --join without seeds and out-of-range stream bandwidth, naming the source', () => {
    expectUsageError({ join: true }, {}, /--join needs --seeds/);
    expectUsageError({}, { RINGKV_JOIN: 'true' }, /\$RINGKV_JOIN needs --seeds/);
    expectUsageError({ seeds: '127.0.0.1:7000' }, { RINGKV_JOIN: 'maybe' }, /\$RINGKV_JOIN must be true or false/);
    expectUsageError({ 'stream-bytes-per-sec': '10' }, {}, /--stream-bytes-per-sec must be an integer in 4096…/);
  });

  it('reads --scan-bytes-per-sec from a flag or the environment, passes it on only when set, and refuses one below 64 KiB/s', () => {
    expect(resolveStartConfig({ 'scan-bytes-per-sec': '1048576' }, environment()).cluster).toMatchObject({ scanBytesPerSec: 1048576 });
    expect(resolveStartConfig({}, environment({ RINGKV_SCAN_BYTES_PER_SEC: '2097152' })).cluster).toMatchObject({ scanBytesPerSec: 2097152 });
    expect(resolveStartConfig({}, environment()).cluster).not.toHaveProperty('scanBytesPerSec');
    expectUsageError({ 'scan-bytes-per-sec': '1000' }, {}, /--scan-bytes-per-sec must be an integer in 65536…/);
  });
});

describe('resolveStartConfig hint and tombstone options', () => {
  it('passes --hint-ttl-ms and --tombstone-grace-ms on from any source, and leaves them out when not given', () => {
    const c = resolveStartConfig({ 'hint-ttl-ms': '60000' }, environment({ RINGKV_TOMBSTONE_GRACE_MS: '120000' }));
    expect(c.cluster).toMatchObject({ hintTtlMs: 60_000, tombstoneGraceMs: 120_000 });
    expect(resolveStartConfig({}, environment()).cluster).toEqual({ seeds: [], machine: 'box' });
  });

  it('refuses values outside the node\'s bounds, naming their source', () => {
    expectUsageError({ 'hint-ttl-ms': '10' }, {}, /--hint-ttl-ms must be an integer in 1000…/);
    expectUsageError({}, { RINGKV_TOMBSTONE_GRACE_MS: 'soon' }, /\$RINGKV_TOMBSTONE_GRACE_MS must be an integer/);
  });
});

describe('resolveStartConfig socket admission', () => {
  it('passes the request-byte bounds on from flags and the environment, leaves them out when not given, and refuses one below 64 KiB (issue 15)', () => {
    expect(resolveStartConfig({ 'request-bytes-in-flight-max': '1048576' }, environment()).requestBytesInFlightMax).toBe(1_048_576);
    expect(resolveStartConfig({}, environment({ RINGKV_NODE_REQUEST_BYTES_IN_FLIGHT_MAX: '134217728' })).nodeRequestBytesInFlightMax).toBe(134_217_728);
    expect(resolveStartConfig({}, environment()).requestBytesInFlightMax).toBeUndefined();
    expectUsageError({ 'node-request-bytes-in-flight-max': '1000' }, {}, /--node-request-bytes-in-flight-max must be an integer/);
  });

  it('passes --connections-per-address-max on from any source, and leaves it out when not given (issue 15)', () => {
    expect(resolveStartConfig({ 'connections-per-address-max': '5000' }, environment()).connectionsPerAddressMax).toBe(5_000);
    expect(resolveStartConfig({}, environment({ RINGKV_CONNECTIONS_PER_ADDRESS_MAX: '64' })).connectionsPerAddressMax).toBe(64);
    expect(resolveStartConfig({}, environment()).connectionsPerAddressMax).toBeUndefined();
    expectUsageError({ 'connections-per-address-max': '0' }, {}, /--connections-per-address-max must be an integer/);
  });

  it('passes the partial-frame bounds on from any source, and leaves them out when not given (issue 15)', () => {
    expect(resolveStartConfig({ 'frame-read-timeout-ms': '5000' }, environment({ RINGKV_PARTIAL_FRAME_BYTES_MAX: '67108864' })).frames).toEqual({
      frameReadTimeoutMs: 5_000,
      partialFrameBytesMax: 67_108_864,
    });
    expect(resolveStartConfig({}, environment()).frames).toEqual({});
    expectUsageError({ 'frame-read-timeout-ms': '0' }, {}, /--frame-read-timeout-ms must be an integer/);
  });
});

/** resolveStartConfig refuses these settings with a usage error whose message matches. */
function expectUsageError(flags: Parameters<typeof resolveStartConfig>[0], env: Record<string, string>, message: RegExp): void {
  let caught: unknown;
  try {
    resolveStartConfig(flags, environment(env));
  } catch (error) {
    caught = error;
  }
  expect(isCliError(caught) && caught.code === 'usage', String(message)).toBe(true);
  expect((caught as Error).message).toMatch(message);
}
