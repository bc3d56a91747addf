import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkUrl, parseCommand, parseDuration, parseMix, usage } from './args.js';
import { isCliError } from './errors.js';
import { main } from './main.js';
import { httpOf } from './commands/status.js';
import { benchClientsDefault, benchInflightDefault, benchOpsDefault, cliTimeoutMsDefault } from './limits.js';
import { startOptionSpecs } from './start-options.js';

function usageError(argv: string[]): { message: string; exitCode: number } {
  try {
    parseCommand(argv);
  } catch (error) {
    expect(isCliError(error)).toBe(true);
    return error as { message: string; exitCode: number };
  }
  throw new Error(`expected ${argv.join(' ')} to be refused`);
}

describe('parseCommand', () => {
  it('parses get, put and del with their flags', () => {
    expect(parseCommand(['get', 'k', '--url', 'ws://h:1', '--json'])).toMatchObject({ kind: 'get', key: 'k', url: 'ws://h:1', json: true, timeoutMs: cliTimeoutMsDefault });
    expect(parseCommand(['put', 'k', 'v', '--blind'])).toMatchObject({ kind: 'put', key: 'k', value: { from: 'arg', text: 'v' }, blind: true, url: undefined });
    expect(parseCommand(['del', 'k', '--context', 'AAEC'])).toMatchObject({ kind: 'del', key: 'k', context: 'AAEC' });
    expect(parseCommand(['get', 'k', '--url', 'localhost:7071'])).toMatchObject({ url: 'ws://localhost:7071' });
  });

  it('put --json-value parses VALUE as JSON; put --json only asks for JSON output', () => {
    expect(parseCommand(['put', 'k', 'v', '--json'])).toMatchObject({ value: { text: 'v' }, json: true, jsonValue: false });
    expect(parseCommand(['put', 'k', '{"n":1}', '--json-value'])).toMatchObject({ value: { text: '{"n":1}' }, json: false, jsonValue: true });
    expect(parseCommand(['put', 'k', '[1]', '--json-value', '--json'])).toMatchObject({ json: true, jsonValue: true });
    expect(usageError(['put', 'k', 'v', '--json-value']).message).toMatch(/^ringkv: put: --json-value: VALUE is not JSON/);
    expect(usageError(['get', 'k', '--json-value']).exitCode).toBe(2);
  });

  it('takes a put value from standard input (-) or --file, and refuses an argument that lost its bytes', () => {
    expect(parseCommand(['put', 'k', '-'])).toMatchObject({ key: 'k', value: { from: 'stdin' } });
    expect(parseCommand(['put', 'k', '--file', '/tmp/v.bin'])).toMatchObject({ key: 'k', value: { from: 'file', path: '/tmp/v.bin' } });
    expect(parseCommand(['put', 'k', '-', '--json-value'])).toMatchObject({ value: { from: 'stdin' }, jsonValue: true });
    expect(usageError(['put', 'k', 'v', '--file', '/tmp/v']).message).toBe('ringkv: put: unexpected argument "v" (--file gives the value)');
    expect(usageError(['put', 'k', '--file', '']).exitCode).toBe(2);
    expect(usageError(['put', 'k', 'caf\ufffd']).message).toContain('give the value on standard input (VALUE -) or with --file PATH');
    expect(parseCommand(['get', 'k', '--raw'])).toMatchObject({ raw: true });
    expect(usageError(['get', 'k', '--raw', '--json']).exitCode).toBe(2);
  });

  it('answers --version, -V and version with the package version', async () => {
    expect(parseCommand(['--version'])).toEqual({ kind: 'version' });
    expect(parseCommand(['-V'])).toEqual({ kind: 'version' });
    expect(parseCommand(['version'])).toEqual({ kind: 'version' });
    const out: string[] = [];
    expect(await main(['--version'], { stdout: (l) => out.push(l), stderr: () => {}, env: {} })).toBe(0);
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(out).toEqual([`ringkv ${pkg.version}`]);
  });

  it('start --help keeps at least two spaces between every flag and its description', () => {
    const lines = usage('start').split('\n').filter((l) => /^  (-\w, | {4})--/.test(l));
    expect(lines.length).toBe(Object.keys(startOptionSpecs).length);
    for (const line of lines) expect(line, line).toMatch(/^ {2}(-\w, | {4})--[a-z0-9-]+( [A-Z]+)? {2,}\S/);
    expect(usage('start')).toMatch(/--anti-entropy-bytes-per-sec BYTES {2,}repair bandwidth/);
  });

  it('takes a bare port, host:port, ws(s):// and http(s):// wherever a node URL goes', () => {
    expect(checkUrl('get', '7000')).toBe('ws://127.0.0.1:7000');
    expect(checkUrl('get', 'localhost:7001')).toBe('ws://localhost:7001');
    expect(checkUrl('get', 'http://10.0.0.5:7002')).toBe('ws://10.0.0.5:7002');
    expect(checkUrl('get', 'https://db.example:443')).toBe('wss://db.example:443');
    expect(checkUrl('get', 'wss://db.example')).toBe('wss://db.example');
    expect(parseCommand(['status', '--url', '7005'])).toMatchObject({ url: 'ws://127.0.0.1:7005' });
    expect(parseCommand(['repair', '--url', 'http://h:7006'])).toMatchObject({ url: 'ws://h:7006' });
    expect(parseCommand(['bench', '--seeds', '7000,h:7001,http://h:7002'])).toMatchObject({ seeds: ['ws://127.0.0.1:7000', 'ws://h:7001', 'ws://h:7002'] });
    expect(usageError(['get', 'k', '--url', 'ws://7000']).message).toContain('has a number for a host');
    expect(usageError(['get', 'k', '--url', '70000']).message).toContain('port outside');
    expect(usageError(['get', 'k', '--url', 'ftp://h:1']).message).toContain('must be a port, host:port, ws://');
  });

  it('parses the data-center levels and --dc for get, put, del and bench', () => {
    expect(parseCommand(['get', 'k', '--r', 'local-quorum', '--dc', 'dc2'])).toMatchObject({ r: 'local-quorum', dc: 'dc2' });
    expect(parseCommand(['put', 'k', 'v', '--w', 'each-quorum', '--r', 'local-one'])).toMatchObject({ w: 'each-quorum', r: 'local-one' });
    expect(parseCommand(['del', 'k', '--w', 'local-one', '--dc', 'east'])).toMatchObject({ w: 'local-one', dc: 'east' });
    expect(parseCommand(['bench', '--r', 'local-quorum', '--w', 'each-quorum', '--dc', 'dc1', '-r', '10'])).toMatchObject({ r: 'local-quorum', w: 'each-quorum', dc: 'dc1', keys: 10 });
    expect(parseCommand(['bench'])).not.toHaveProperty('dc');
    expect(usageError(['get', 'k', '--dc', '']).message).toContain('--dc must name a data center');
    expect(usageError(['get', 'k', '--r', 'local_quorum']).exitCode).toBe(2);
    expect(usageError(['bench', '--w', 'LOCAL-QUORUM']).exitCode).toBe(2);
  });

  it('parses --r and --w as counts or named levels, and refuses them where they mean nothing', () => {
    expect(parseCommand(['get', 'k', '--r', '1'])).toMatchObject({ r: 1 });
    expect(parseCommand(['put', 'k', 'v', '--r', 'one', '--w', 'all'])).toMatchObject({ r: 'one', w: 'all' });
    expect(parseCommand(['del', 'k', '--w', 'quorum'])).toMatchObject({ w: 'quorum', r: undefined });
    expect(parseCommand(['put', 'k', 'v', '--blind', '--w', '1'])).toMatchObject({ w: 1, blind: true });
    expect(usageError(['get', 'k', '--w', '1']).exitCode).toBe(2);
    expect(usageError(['get', 'k', '--r', '0']).message).toBe('ringkv: get: --r must be one, local-one, quorum, local-quorum, each-quorum, all or a count 1…64, got "0"');
    expect(usageError(['put', 'k', 'v', '--w', 'most']).message).toContain('--w must be one, local-one, quorum, local-quorum, each-quorum, all or a count');
    expect(usageError(['put', 'k', 'v', '--blind', '--r', '1']).message).toContain('--r sets the read of the key before the write');
  });

  it('parses bench with redis-benchmark style short flags and defaults', () => {
    expect(parseCommand(['bench'])).toMatchObject({ clients: benchClientsDefault, inflight: benchInflightDefault, ops: benchOpsDefault, getPercent: 50 });
    expect(parseCommand(['bench', '-c', '8', '-P', '16', '-n', '1000', '-d', '10', '--mix', '95/5'])).toMatchObject({
      clients: 8,
      inflight: 16,
      ops: 1000,
      valueBytes: 10,
      getPercent: 95,
    });
    expect(parseCommand(['bench', '--duration', '2s'])).toMatchObject({ ops: undefined, durationMs: 2000 });
  });

  it('refuses unknown flags, missing or extra arguments and bad numbers with one-line usage errors (exit 2)', () => {
    const cases = [
      ['get', 'k', '--bogus'],
      ['get'],
      ['put', 'k'],
      ['put', 'k', 'v', 'extra'],
      ['put', 'k', '{bad', '--json-value'],
      ['put', 'k', 'v', '--blind', '--context', 'AA=='],
      ['bench', '-c', '0'],
      ['bench', '-c', 'many'],
      ['bench', '--ops', '5', '--duration', '1s'],
      ['bench', '--mix', '60/60'],
      ['start', '--port'],
      ['start', 'extra'],
      ['frobnicate'],
      ['get', 'k', '--url', 'ftp://x'],
    ];
    for (const argv of cases) {
      const error = usageError(argv);
      expect(error.exitCode, argv.join(' ')).toBe(2);
      expect(error.message, argv.join(' ')).toMatch(/^ringkv: [^\n]+$/);
    }
  });

  it('answers --help for every command, and start --help lists every start option', () => {
    for (const command of ['get', 'put', 'del', 'bench', 'start']) {
      expect(parseCommand([command, '--help'])).toMatchObject({ kind: 'help' });
    }
    const text = usage('start');
    for (const flag of Object.keys(startOptionSpecs)) expect(text).toContain(`--${flag}`);
    expect(parseCommand([])).toMatchObject({ kind: 'help' });
  });
});

describe('small parsers', () => {
  it('parseDuration reads ms, s, m, h and plain seconds', () => {
    expect(parseDuration('bench', '500ms')).toBe(500);
    expect(parseDuration('bench', '10s')).toBe(10_000);
    expect(parseDuration('bench', '1.5m')).toBe(90_000);
    expect(parseDuration('bench', '3')).toBe(3_000);
    expect(() => parseDuration('bench', '10 parsecs')).toThrow(/--duration/);
    expect(() => parseDuration('bench', '0s')).toThrow(/--duration/);
  });

  it('parseMix returns the get percentage and needs 100 in total', () => {
    expect(parseMix('50/50')).toBe(50);
    expect(parseMix('100/0')).toBe(100);
    expect(() => parseMix('50')).toThrow(/--mix/);
  });

  it('takes tcp:// URLs for get, put, del and bench, parses bench --transport, and refuses tcp:// where peers are named', () => {
    expect(parseCommand(['get', 'k', '--url', 'tcp://127.0.0.1:7000'])).toMatchObject({ url: 'tcp://127.0.0.1:7000' });
    expect(parseCommand(['put', 'k', 'v', '--url', 'tcp://h:7001'])).toMatchObject({ url: 'tcp://h:7001' });
    expect(parseCommand(['bench', '--url', 'tcp://h:7001'])).toMatchObject({ url: 'tcp://h:7001', transport: undefined });
    expect(parseCommand(['bench', '--seeds', 'tcp://h:1,h:2'])).toMatchObject({ seeds: ['tcp://h:1', 'ws://h:2'] });
    expect(parseCommand(['bench', '--transport', 'tcp'])).toMatchObject({ transport: 'tcp' });
    expect(parseCommand(['bench', '--transport', 'ws'])).toMatchObject({ transport: 'websocket' });
    expect(usageError(['bench', '--transport', 'udp']).message).toContain('--transport must be tcp or ws');
    expect(() => checkUrl('start', 'tcp://h:1', '--seeds')).toThrow(/only clients speak/);
    expect(httpOf('tcp://h:7003')).toBe('http://h:7003');
  });

  it('checkUrl accepts ws and wss, adds ws:// to host:port, refuses others', () => {
    expect(checkUrl('get', 'wss://a.example:443')).toBe('wss://a.example:443');
    expect(checkUrl('get', '10.0.0.1:7070')).toBe('ws://10.0.0.1:7070');
    expect(() => checkUrl('get', 'ftp://x')).toThrow(/ws:\/\//);
  });
});

describe('cluster commands', () => {
  it('parses dev with its defaults (3 nodes, N=3, R=W=2, base port 7000) and quorums derived from --n', () => {
    expect(parseCommand(['dev'])).toEqual({ kind: 'dev', dcs: 1, nodes: 3, basePort: 7000, dir: './.ringkv', n: 3, r: 2, w: 2, durability: 'interval', logLevel: 'warn', logFormat: undefined, tls: false });
    expect(parseCommand(['dev', '--tls'])).toMatchObject({ kind: 'dev', tls: true });
    expect(parseCommand(['dev', '--read-repair', 'global'])).toMatchObject({ kind: 'dev', readRepair: 'global' });
    expect(parseCommand(['dev'])).not.toHaveProperty('readRepair');
    expect(() => parseCommand(['dev', '--read-repair', 'everywhere'])).toThrow(/--read-repair must be local or global/);
    expect(parseCommand(['dev', '--nodes', '5', '--n', '5', '--base-port', '9000', '--dir', '/tmp/x'])).toMatchObject({ nodes: 5, n: 5, r: 3, w: 3, basePort: 9000, dir: '/tmp/x' });
    expect(() => parseCommand(['dev', '--nodes', '2', '--n', '3'])).toThrow(/--n must be an integer in 1…2/);
    expect(() => parseCommand(['dev', '--r', '4'])).toThrow(/--r must be an integer in 1…3/);
  });

  it('parses dev --log-format json|pretty and refuses another format', () => {
    expect(parseCommand(['dev', '--log-format', 'pretty'])).toMatchObject({ kind: 'dev', logFormat: 'pretty' });
    expect(parseCommand(['dev', '--log-format', 'json'])).toMatchObject({ kind: 'dev', logFormat: 'json' });
    expect(() => parseCommand(['dev', '--log-format', 'xml'])).toThrow(/--log-format must be json or pretty/);
  });

  it('parses dev --dcs: nodes and replicas per DC, quorums out of every replica', () => {
    expect(parseCommand(['dev', '--dcs', '2', '--nodes', '3'])).toMatchObject({ dcs: 2, nodes: 3, n: 3, r: 4, w: 4 });
    expect(parseCommand(['dev', '--dcs', '2', '--nodes', '2', '--n', '1'])).toMatchObject({ dcs: 2, nodes: 2, n: 1, r: 2, w: 2 });
    expect(() => parseCommand(['dev', '--dcs', '5'])).toThrow(/--dcs must be an integer in 1…4/);
    expect(() => parseCommand(['dev', '--dcs', '2', '--nodes', '9'])).toThrow(/--nodes must be an integer in 1…8/);
    expect(() => parseCommand(['dev', '--dcs', '2', '--r', '7'])).toThrow(/--r must be an integer in 1…6/);
  });

  it('parses status and bench --seeds, and refuses --url with --seeds', () => {
    expect(parseCommand(['status', '--url', '127.0.0.1:7001'])).toEqual({ kind: 'status', url: 'ws://127.0.0.1:7001', json: false });
    expect(parseCommand(['bench', '--seeds', '127.0.0.1:7000, ws://127.0.0.1:7001'])).toMatchObject({ seeds: ['ws://127.0.0.1:7000', 'ws://127.0.0.1:7001'], url: undefined });
    expect(() => parseCommand(['bench', '--seeds', 'a:1', '--url', 'b:2'])).toThrow(/not both/);
    expect(() => parseCommand(['bench', '--seeds', ','])).toThrow(/--seeds must list/);
  });

  it('parses the topology commands with their admin flags', () => {
    const admin = { url: 'ws://127.0.0.1:7003', token: 't', json: false };
    expect(parseCommand(['leave', '--url', '127.0.0.1:7003', '--token', 't'])).toEqual({ kind: 'leave', ...admin, wait: true });
    expect(parseCommand(['leave', '--no-wait', '--json'])).toEqual({ kind: 'leave', url: undefined, token: undefined, json: true, wait: false });
    expect(parseCommand(['remove', 'n4', '--force', '--auth-token', 'a'])).toEqual({ kind: 'remove', url: undefined, token: 'a', json: false, id: 'n4', force: true });
    expect(parseCommand(['cleanup'])).toEqual({ kind: 'cleanup', url: undefined, token: undefined, json: false });
    expect(parseCommand(['repair', '--token', 'x'])).toMatchObject({ kind: 'repair', token: 'x' });
    expect(parseCommand(['plan', 'join', 'n4', '--vnodes', '128', '--weight', '0.5', '--zone', 'r2'])).toEqual({
      kind: 'plan', url: undefined, token: undefined, json: false, op: 'join', id: 'n4', vnodes: 128, weight: 0.5, zone: 'r2',
    });
    expect(parseCommand(['plan', 'leave', 'n2'])).toMatchObject({ op: 'leave', id: 'n2', vnodes: undefined, weight: undefined, zone: undefined });
    expect(parseCommand(['plan', 'join', 'n4', '--dc', 'dc2', '--rack', 'r1', '--machine', 'm9'])).toMatchObject({ op: 'join', id: 'n4', zone: 'r1', dc: 'dc2', machine: 'm9' });
    expect(() => parseCommand(['plan', 'leave', 'n2', '--dc', 'dc1'])).toThrow(/plan leave takes none/);
    expect(() => parseCommand(['plan', 'join', 'n4', '--zone', 'a', '--rack', 'b'])).toThrow(/former name of --rack/);
  });

  it('refuses topology commands with missing ids, extra arguments or conflicting flags (exit 2)', () => {
    const cases = [['remove'], ['remove', 'a', 'b'], ['leave', 'n2'], ['cleanup', '--force'], ['plan', 'join', 'n4', '--vnodes', '0'], ['plan', 'join', 'n4', '--weight', '65'], ['leave', '--token', 'a', '--auth-token', 'b']];
    for (const argv of cases) {
      const error = usageError(argv);
      expect(error.exitCode, argv.join(' ')).toBe(2);
      expect(error.message, argv.join(' ')).toMatch(new RegExp(`^ringkv: ${argv[0]}: [^\n]+$`));
    }
    for (const command of ['leave', 'remove', 'cleanup', 'plan', 'repair']) expect(parseCommand([command, '--help'])).toMatchObject({ kind: 'help' });
    expect(usage()).toMatch(/ringkv plan join\|leave ID/);
  });

  it('start --help lists --join and --stream-bytes-per-sec', () => {
    const help = (parseCommand(['start', '--help']) as { text: string }).text;
    expect(help).toMatch(/--join\s+join an existing cluster.*\[\$RINGKV_JOIN\]/);
    expect(help).toContain('--stream-bytes-per-sec BYTES');
  });

  it('start --help lists the cluster flags with their env vars', () => {
    const help = (parseCommand(['start', '--help']) as { text: string }).text;
    for (const flag of ['--seeds LIST', '--cluster-secret', '--n N', '--r R', '--w W', '--mode MODE', '--vnodes', '--weight', '--zone']) expect(help).toContain(flag);
    expect(help).toContain('[$RINGKV_SEEDS]');
    for (const flag of ['--anti-entropy-interval-ms MS', '--anti-entropy-bytes-per-sec BYTES', '--anti-entropy-buckets-log2 B']) expect(help).toContain(flag);
    expect(help).toContain('[$RINGKV_ANTI_ENTROPY_INTERVAL_MS]');
  });
});
