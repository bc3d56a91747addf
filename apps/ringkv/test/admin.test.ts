/**
 * The topology commands (`plan`, `leave`, `remove`, `cleanup`), `repair`'s
 * token and `status`'s stream lines against small fake nodes on loopback:
 * what each command sends (method, path, query, body, bearer token), what
 * it prints, and how the node's refusals become one-line errors and exit
 * codes. The real node is exercised by test/topology-process.test.ts.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { main, runLeave, type Io, type LeaveCommand } from '../src/index.js';

interface Seen {
  method: string;
  path: string;
  query: URLSearchParams;
  authorization: string | undefined;
  body: unknown;
}

type Handler = (req: Seen, res: ServerResponse) => void;

interface Fake {
  url: string;
  seen: Seen[];
  /** Closes the port (and every kept-alive connection): later requests are refused. */
  close(): Promise<void>;
}

const open: Server[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => new Promise<void>((r) => {
    s.closeAllConnections();
    s.close(() => r());
  })));
});

async function fakeNode(handler: Handler): Promise<Fake> {
  const seen: Seen[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString()));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const entry = { method: req.method ?? '', path: url.pathname, query: url.searchParams, authorization: req.headers.authorization, body: text === '' ? undefined : (JSON.parse(text) as unknown) };
      seen.push(entry);
      handler(entry, res);
    });
  });
  open.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `ws://127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function nodeError(res: ServerResponse, status: number, code: string, message: string): void {
  reply(res, status, { error: { code, message } });
}

async function cli(argv: string[], env: Record<string, string> = {}): Promise<{ code: number | 'running'; out: string; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = { stdout: (l) => out.push(l), stderr: (l) => err.push(l), env };
  const code = await main(argv, io);
  return { code, out: out.join('\n'), err };
}

const plan = {
  op: 'join',
  id: 'n4',
  ringVersionBefore: 11,
  ringVersionAfter: 22,
  moves: [
    { from: ['n1', 'n2'], to: 'n4', ranges: 40, keys: 8000, bytes: 2_100_000 },
    { from: ['n3'], to: 'n4', ranges: 24, keys: 4345, bytes: 1_100_000 },
  ],
  totals: { ranges: 64, keys: 12345, bytes: 3_200_000, fractionOfKeys: 0.2514 },
};

describe('ringkv plan', () => {
  it('asks GET /admin/plan with the placement and the bearer token, and prints the summary and a table of moves', async () => {
    const node = await fakeNode((_, res) => reply(res, 200, plan));
    const r = await cli(['plan', 'join', 'n4', '--vnodes', '32', '--weight', '1.5', '--zone', 'b', '--url', node.url, '--token', 's3cret']);
    expect(r.code, r.err.join('\n')).toBe(0);
    const req = node.seen[0] as Seen;
    expect([req.method, req.path, req.authorization]).toEqual(['GET', '/admin/plan', 'Bearer s3cret']);
    expect(Object.fromEntries(req.query)).toEqual({ op: 'join', id: 'n4', vnodes: '32', weight: '1.5', zone: 'b' });
    const lines = r.out.split('\n');
    expect(lines[0]).toBe('n4 would receive 25.1% of keys: 12,345 keys, 3.2 MB in 64 ranges from n1, n2, n3');
    expect(lines[1]).toMatch(/^FROM\s+TO\s+RANGES\s+KEYS\s+BYTES$/);
    expect(lines[2]).toMatch(/^n1,n2\s+n4\s+40\s+8,000\s+2\.1 MB$/);
    expect(lines.at(-1)).toBe('ring version 11 → 22; nothing has changed (dry run)');
  });

  it('warns on stderr, and still prints the plan, when some of its sources are down as the asked node sees them', async () => {
    const node = await fakeNode((req, res) =>
      req.path === '/status'
        ? reply(res, 200, { id: 'n1', cluster: { down: ['n3', 'n2'], members: [{ id: 'n1', status: 'normal' }, { id: 'n2', status: 'down' }, { id: 'n3', status: 'down' }] } })
        : reply(res, 200, plan),
    );
    const r = await cli(['plan', 'join', 'n4', '--url', node.url]);
    expect(r.code, r.err.join('\n')).toBe(0);
    expect(r.err).toEqual([
      'ringkv: plan: warning: n2, n3 are down as n1 sees it: the counts come from the other replicas, and the join would stream only from live ones (bring them back or ringkv remove them first)',
    ]);
    expect(r.out.split('\n')[0]).toMatch(/^n4 would receive/);
    const healthy = await fakeNode((req, res) => (req.path === '/status' ? reply(res, 200, { id: 'n1', cluster: { down: [] } }) : reply(res, 200, plan)));
    expect((await cli(['plan', 'join', 'n4', '--url', healthy.url])).err).toEqual([]);
  });

  it('describes a leave as a hand-off to the receiving nodes, and --json prints the node\'s plan unchanged', async () => {
    const leave = { ...plan, op: 'leave', id: 'n2', moves: [{ from: ['n2'], to: 'n3', ranges: 3, keys: 10, bytes: 999 }, { from: ['n2'], to: 'n1', ranges: 1, keys: 5, bytes: 1 }], totals: { ranges: 4, keys: 15, bytes: 1000, fractionOfKeys: 1 / 3 } };
    const node = await fakeNode((_, res) => reply(res, 200, leave));
    const text = await cli(['plan', 'leave', 'n2', '--url', node.url]);
    expect(text.out.split('\n')[0]).toBe('n2 would hand off 33.3% of keys: 15 keys, 1.0 kB in 4 ranges to n1, n3');
    const one = await cli(['plan', 'leave', 'n2', '--url', (await fakeNode((_, res) => reply(res, 200, { ...leave, totals: { ranges: 1, keys: 1, bytes: 95, fractionOfKeys: 1 / 3 } }))).url]);
    expect(one.out.split('\n')[0]).toBe('n2 would hand off 33.3% of keys: 1 key, 95 B in 1 range to n1, n3');
    expect(node.seen[0]?.authorization).toBeUndefined();
    expect(Object.fromEntries(node.seen[0]?.query ?? [])).toEqual({ op: 'leave', id: 'n2' });
    const json = await cli(['plan', 'leave', 'n2', '--url', node.url, '--json']);
    expect(JSON.parse(json.out)).toEqual(leave);
  });

  it('prints one row per set of sources, whatever order the node listed them in', async () => {
    const moves = [
      { from: ['n2', 'n1'], to: 'n4', ranges: 2, keys: 20, bytes: 2000 },
      { from: ['n1', 'n2'], to: 'n4', ranges: 3, keys: 30, bytes: 3000 },
      { from: ['n1', 'n2'], to: 'n3', ranges: 1, keys: 1, bytes: 1 },
    ];
    const node = await fakeNode((_, res) => reply(res, 200, { ...plan, moves }));
    const r = await cli(['plan', 'join', 'n4', '--url', node.url]);
    expect(r.out.split('\n').slice(2, 4).map((l) => l.split(/\s+/))).toEqual([
      ['n1,n2', 'n3', '1', '1', '1', 'B'],
      ['n1,n2', 'n4', '5', '50', '5.0', 'kB'],
    ]);
    expect(JSON.parse((await cli(['plan', 'join', 'n4', '--url', node.url, '--json'])).out).moves).toEqual(moves);
  });

  it('refuses placement flags on a leave, an unknown operation and a bad id as usage errors (exit 2)', async () => {
    for (const argv of [['plan', 'leave', 'n2', '--vnodes', '8'], ['plan', 'grow', 'n2'], ['plan', 'join'], ['plan', 'join', '-bad'], ['plan', 'join', 'n4', '--weight', '0']]) {
      const r = await cli(argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.err).toHaveLength(1);
      expect(r.err[0], argv.join(' ')).toMatch(/^ringkv: plan: /);
    }
  });
});

describe('ringkv remove', () => {
  it('posts the id (and force only when asked) and says repair restores the copies', async () => {
    const node = await fakeNode((req, res) => reply(res, 200, { removed: (req.body as { id: string }).id }));
    const plain = await cli(['remove', 'n4', '--url', node.url]);
    const forced = await cli(['remove', 'n5', '--force', '--url', node.url]);
    expect([plain.code, forced.code]).toEqual([0, 0]);
    expect(node.seen.map((s) => [s.method, s.path, s.body])).toEqual([
      ['POST', '/admin/remove', { id: 'n4' }],
      ['POST', '/admin/remove', { id: 'n5', force: true }],
    ]);
    expect(plain.out).toMatch(/^removed n4 from the ring\n.*ringkv repair/);
  });

  it('turns the node\'s refusals into one line with its code, exit 1', async () => {
    const node = await fakeNode((req, res) => {
      const id = (req.body as { id: string }).id;
      if (id === 'n1') nodeError(res, 409, 'member-up', 'node-server: n1 is not down; pass force to remove it anyway');
      else nodeError(res, 404, 'unknown-member', `no member ${id}`);
    });
    const up = await cli(['remove', 'n1', '--url', node.url]);
    expect(up.code).toBe(1);
    expect(up.err).toEqual(['ringkv: remove: n1 is not down; pass force to remove it anyway [member-up]']);
    const unknown = await cli(['remove', 'zz', '--url', node.url]);
    expect(unknown.code).toBe(1);
    expect(unknown.err).toEqual(['ringkv: remove: no member zz [unknown-member]']);
  });
});

describe('admin token and failures', () => {
  it('takes the token from $RINGKV_TOKEN, else $RINGKV_AUTH_TOKEN, and a flag wins over both', async () => {
    const node = await fakeNode((_, res) => reply(res, 200, { rangesDropped: 0, keysDropped: 0, bytesPushed: 0 }));
    await cli(['cleanup', '--url', node.url], { RINGKV_TOKEN: 'from-env' });
    await cli(['cleanup', '--url', node.url], { RINGKV_AUTH_TOKEN: 'client-token' });
    await cli(['cleanup', '--url', node.url, '--auth-token', 'flag'], { RINGKV_TOKEN: 'from-env' });
    expect(node.seen.map((s) => s.authorization)).toEqual(['Bearer from-env', 'Bearer client-token', 'Bearer flag']);
  });

  it('a 401 says whether a token is missing or was refused', async () => {
    const node = await fakeNode((_, res) => nodeError(res, 401, 'unauthorized', 'a valid bearer token is required'));
    const missing = await cli(['cleanup', '--url', node.url]);
    expect(missing.code).toBe(1);
    expect(missing.err).toEqual(['ringkv: cleanup: the node needs a token: give --token or set $RINGKV_TOKEN (a valid bearer token is required)']);
    const wrong = await cli(['cleanup', '--url', node.url, '--token', 'nope']);
    expect(wrong.err[0]).toMatch(/^ringkv: cleanup: the token was refused/);
  });

  it('a node without the route (an older ringkv), a 503 and a closed port are one-line failures, exit 1', async () => {
    const old = await fakeNode((req, res) => reply(res, 404, { error: `no route ${req.path}; try /health` }));
    const r1 = await cli(['plan', 'join', 'n4', '--url', old.url]);
    expect([r1.code, r1.err]).toEqual([1, ['ringkv: plan: the node does not serve GET /admin/plan (is it an older ringkv?)']]);
    const busy = await fakeNode((_, res) => nodeError(res, 503, 'not-ready', 'the cluster is not up yet'));
    const r2 = await cli(['cleanup', '--url', busy.url]);
    expect([r2.code, r2.err]).toEqual([1, ['ringkv: cleanup: the cluster is not up yet [not-ready]']]);
    const gone = await fakeNode(() => {});
    await gone.close();
    const r3 = await cli(['remove', 'n1', '--url', gone.url]);
    expect(r3.code).toBe(1);
    expect(r3.err).toHaveLength(1);
    expect(r3.err[0]).toMatch(/^ringkv: remove: cannot reach http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED; is a node running there\?\)$/);
  });

  it('repair sends the token too', async () => {
    const node = await fakeNode((_, res) => {
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      const summary = { rangesCompared: 1, exchanges: 1, exchangesFailed: 0, bucketsDiffering: 0, keysCompared: 0, keysPulled: 0, keysPushed: 0, keysRepaired: 0, bytesSent: 10, bytesReceived: 10, roundTrips: 1, durationMs: 3, failures: [] };
      res.end(`${JSON.stringify({ summary })}\n`);
    });
    const r = await cli(['repair', '--url', node.url, '--token', 't']);
    expect(r.code, r.err.join('\n')).toBe(0);
    expect([node.seen[0]?.method, node.seen[0]?.path, node.seen[0]?.authorization]).toEqual(['POST', '/repair', 'Bearer t']);
  });
});

describe('ringkv cleanup', () => {
  it('prints what the node dropped', async () => {
    const node = await fakeNode((_, res) => reply(res, 200, { rangesDropped: 5, keysDropped: 1234, bytesPushed: 2048 }));
    const r = await cli(['cleanup', '--url', node.url]);
    expect(r.out).toBe('cleanup: dropped 1,234 keys of 5 ranges this node no longer replicates (pushed 2.0 kB their owners lacked first)');
    expect(node.seen[0]?.method).toBe('POST');
    const json = await cli(['cleanup', '--url', node.url, '--json']);
    expect(JSON.parse(json.out)).toEqual({ rangesDropped: 5, keysDropped: 1234, bytesPushed: 2048 });
  });
});

/** A /status document of a node in the middle of a topology change. */
function status(id: string, self: string, stream: unknown, members: { id: string; url: string; status: string }[]): unknown {
  return { id, cluster: { members, topology: { self, stream, cleanup: { runs: 0, rangesDropped: 0, keysDropped: 0, pending: 0 } } } };
}

function out(done: number, keys: number): unknown {
  return { direction: 'out', rangesTotal: 4, rangesDone: done, keys, bytes: keys * 100, bytesPerSec: 50_000, startedAtMs: 1, peers: ['n3', 'n1'] };
}

describe('ringkv leave', () => {
  it('posts the leave, shows the outgoing stream as a bar on stderr, and ends when the node reports left', async () => {
    const members = [{ id: 'n2', url: '', status: 'leaving' }];
    const slower = { ...(out(1, 100) as object), bytesPerSec: 20_000 };
    const sequence = [
      status('n2', 'normal', null, members),
      status('n2', 'leaving', out(1, 100), members),
      status('n2', 'leaving', slower, members),
      status('n2', 'leaving', out(4, 400), members),
      status('n2', 'left', out(4, 400), members),
    ];
    let polls = 0;
    const node = await fakeNode((req, res) => {
      if (req.path === '/admin/leave') return reply(res, 202, { state: 'leaving' });
      reply(res, 200, sequence[Math.min(polls++, sequence.length - 1)]);
    });
    const r = await cli(['leave', '--url', node.url, '--token', 'k']);
    expect(r.code, r.err.join('\n')).toBe(0);
    const post = node.seen.find((s) => s.method === 'POST');
    expect([post?.path, post?.authorization]).toEqual(['/admin/leave', 'Bearer k']);
    expect(r.err).toContain('leave [#####---------------] 1/4 ranges  100 keys  10.0 kB  50.0 kB/s  → n1, n3');
    // The rate alone changed on the next poll: no new line for it.
    expect(r.err.filter((l) => l.includes(' 1/4 ranges'))).toHaveLength(1);
    expect(r.err).toContain(`leave [${'#'.repeat(20)}] 4/4 ranges  400 keys  40.0 kB  50.0 kB/s  → n1, n3`);
    expect(r.out).toBe('n2 has left the cluster: streamed 400 keys, 40.0 kB in 4 ranges');
  });

  it('--no-wait returns once the node accepted, and --json prints the result without progress lines', async () => {
    const node = await fakeNode((req, res) => (req.path === '/admin/leave' ? reply(res, 202, { state: 'leaving' }) : reply(res, 200, status('n2', 'left', null, []))));
    const noWait = await cli(['leave', '--no-wait', '--url', node.url]);
    expect(noWait.out).toMatch(/^n2 is leaving/);
    expect(node.seen.map((s) => s.path)).toEqual(['/status', '/admin/leave']);
    const json = await cli(['leave', '--json', '--url', node.url]);
    expect(json.err).toEqual([]);
    expect(JSON.parse(json.out)).toMatchObject({ id: 'n2', state: 'left', seenBy: 'n2' });
  });

  it('when the node exits after leaving, another member confirms it left', async () => {
    const other = await fakeNode((_, res) => reply(res, 200, status('n1', 'normal', null, [{ id: 'n1', url: '', status: 'normal' }, { id: 'n2', url: '', status: 'left' }])));
    let polls = 0;
    const leaving: Fake = await fakeNode((req, res) => {
      if (req.path === '/admin/leave') return reply(res, 202, { state: 'leaving' });
      reply(res, 200, status('n2', 'leaving', out(2, 10), [{ id: 'n1', url: other.url, status: 'normal' }, { id: 'n2', url: '', status: 'leaving' }]));
      if (++polls === 3) void leaving.close();
    });
    const command: LeaveCommand = { kind: 'leave', url: leaving.url, token: undefined, json: false, wait: true };
    const result = await runLeave(command, { stdout: () => {}, stderr: () => {}, env: {} }, { pollMs: 10, confirmMs: 500 });
    expect(result).toMatchObject({ id: 'n2', state: 'left', seenBy: 'n1' });
  });

  it('a node that stops while the others still see it leaving is a failure, not a leave', async () => {
    const other = await fakeNode((_, res) => reply(res, 200, status('n1', 'normal', null, [{ id: 'n2', url: '', status: 'leaving' }])));
    let polls = 0;
    const leaving: Fake = await fakeNode((req, res) => {
      if (req.path === '/admin/leave') return reply(res, 202, { state: 'leaving' });
      reply(res, 200, status('n2', 'leaving', out(1, 10), [{ id: 'n1', url: other.url, status: 'normal' }]));
      if (++polls === 2) void leaving.close();
    });
    const command: LeaveCommand = { kind: 'leave', url: leaving.url, token: undefined, json: false, wait: true };
    await expect(runLeave(command, { stdout: () => {}, stderr: () => {}, env: {} }, { pollMs: 10, confirmMs: 100 })).rejects.toThrow(
      /^ringkv: leave: n2 stopped before the others saw it leave \(n1 sees it as leaving\)/,
    );
  });

  it('a refused leave is one line with the node\'s code', async () => {
    const node = await fakeNode((req, res) => (req.path === '/admin/leave' ? nodeError(res, 409, 'already-leaving', 'n2 is already leaving') : reply(res, 200, status('n2', 'leaving', null, []))));
    const r = await cli(['leave', '--url', node.url]);
    expect([r.code, r.err]).toEqual([1, ['ringkv: leave: n2 is already leaving [already-leaving]']]);
  });
});

describe('ringkv status during a topology change', () => {
  it('shows joining and leaving members with their stream progress and pending cleanup', async () => {
    const nodes = await Promise.all([0, 1, 2].map(() => fakeNode(() => {})));
    const members = [
      { id: 'n1', url: nodes[0]?.url as string, status: 'normal', generation: 1, ownership: { primary: 0.5, replica: 1.5 } },
      { id: 'n2', url: nodes[1]?.url as string, status: 'leaving', generation: 1, ownership: { primary: 0.5, replica: 1.5 } },
      { id: 'n4', url: nodes[2]?.url as string, status: 'joining', generation: 1, ownership: { primary: 0, replica: 0 } },
    ];
    const topo = [
      { self: 'normal', stream: { ...(out(4, 400) as object), direction: 'in', peers: ['n2'] }, cleanup: { runs: 1, rangesDropped: 0, keysDropped: 0, pending: 2 } },
      { self: 'leaving', stream: out(1, 100), cleanup: { runs: 0, rangesDropped: 0, keysDropped: 0, pending: 0 } },
      { self: 'joining', stream: { ...(out(3, 300) as object), direction: 'in', peers: ['n1'] }, cleanup: { runs: 0, rangesDropped: 0, keysDropped: 0, pending: 0 } },
    ];
    const servers = await Promise.all(
      [0, 1, 2].map((i) => fakeNode((_, res) => reply(res, 200, { id: members[i]?.id, cluster: { members, topology: topo[i], hintsPending: {} } }))),
    );
    for (const [i, m] of members.entries()) m.url = servers[i]?.url as string;
    const gone = await fakeNode(() => {});
    await gone.close();
    members.push({ id: 'n9', url: gone.url, status: 'left', generation: 1, ownership: { primary: 0, replica: 0 } });
    const r = await cli(['status', '--url', servers[0]?.url as string]);
    expect(r.code, r.err.join('\n')).toBe(0);
    const lines = r.out.split('\n');
    expect(lines.find((l) => l.startsWith('n2 ') && l.includes('leaving '))?.split(/\s+/)[2]).toBe('leaving');
    expect(lines).toContain('n2 leaving, streaming out: [#####---------------] 1/4 ranges  100 keys  10.0 kB  50.0 kB/s  → n1, n3');
    expect(lines).toContain('n4 joining, streaming in: [###############-----] 3/4 ranges  300 keys  30.0 kB  50.0 kB/s  ← n1');
    expect(lines.some((l) => l.startsWith('n1: 2 ranges no longer replicated here wait for cleanup'))).toBe(true);
    // A normal node's stream is its last, finished one: no bar, no rate.
    expect(lines).toContain('n1: last stream (in) finished: 4/4 ranges, 400 keys, 40.0 kB ← n2');
    // n9 has left and its port is closed: that is expected, not a member whose hints are missing.
    expect(r.out).not.toMatch(/no \/status from/);
    const json = JSON.parse((await cli(['status', '--json', '--url', servers[0]?.url as string])).out) as { rows: { id: string; topology?: { self: string } }[] };
    expect(json.rows.map((row) => row.topology?.self)).toEqual(['normal', 'leaving', 'joining', undefined]);
  });
});

describe('ringkv status reachability', () => {
  it("shows the asked node's own link and last-heard time beside gossip's state, so a killed node shows down at once", async () => {
    const members = [
      { id: 'n1', url: '', status: 'normal', generation: 1, ownership: { primary: 0.5, replica: 1 }, reach: { link: 'self', heardAgoMs: 0 } },
      { id: 'n2', url: '', status: 'normal', generation: 1, ownership: { primary: 0.5, replica: 1 }, reach: { link: 'down', heardAgoMs: 4200 } },
      { id: 'n3', url: '', status: 'normal', generation: 1, ownership: { primary: 0, replica: 0 }, reach: { link: 'up', heardAgoMs: 400 } },
    ];
    const node = await fakeNode((_, res) => reply(res, 200, { id: 'n1', cluster: { members, hintsPending: {} } }));
    for (const m of members) m.url = node.url;
    const r = await cli(['status', '--url', node.url]);
    expect(r.code, r.err.join('\n')).toBe(0);
    const lines = r.out.split('\n');
    expect(lines[1]).toMatch(/^ID +URL +STATE +REACH +PRIMARY/);
    expect(lines.find((l) => l.startsWith('n2 '))).toMatch(/ normal +down 4\.2s +50\.0%/);
    expect(lines.find((l) => l.startsWith('n3 '))).toMatch(/ normal +up 0\.4s /);
    expect(lines.find((l) => l.startsWith('n1 '))).toMatch(/ normal +self +50\.0%/);
    expect(r.out).toMatch(/REACH: n1's own link to it now/);
  });
});
