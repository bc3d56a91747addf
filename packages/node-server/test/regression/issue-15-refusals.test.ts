/**
 * Issue 15, the smaller items: an invalid frame before hello closes the
 * connection at once, text frames are refused with close 1003, refused peer
 * hellos do not write a log line each. (A peer `apply` with an invalid set
 * answered `invalid-message`: test/peer.test.ts.)
 */
import { Packr } from 'msgpackr';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { refusalLogLinesMax } from '../../src/limits.js';
import { open } from '../support/client.js';
import { dialPeer, peerHello } from '../support/peer.js';
import { nodeTracker, removeTempDirs } from '../support/node.js';

const nodes = nodeTracker();
const node = nodes.start;
afterEach(nodes.stopAll);
afterAll(removeTempDirs);

describe('issue 15: refusals', () => {
  it('closes a client connection with 1002 at its first invalid frame before hello, not at the hello timeout', async () => {
    const n = await node({ helloTimeoutMs: 600_000 });
    const client = await open(n.url);
    client.sendRaw(new Packr({ useRecords: false }).pack({ type: 'hello' }));
    expect(await client.nextUnsolicited()).toMatchObject({ type: 'error', code: 'invalid-message' });
    expect((await client.closed).code).toBe(1002);
  });

  it('refuses a text frame from a client, before and after hello, with close 1003', async () => {
    const n = await node({});
    const before = await open(n.url);
    before.sendRaw('{"type":"hello"}');
    expect((await before.closed).code).toBe(1003);
    const after = await open(n.url);
    expect(await after.hello()).toMatchObject({ type: 'hello-ok' });
    after.sendRaw('{"type":"get","key":"k","id":1}');
    expect((await after.closed).code).toBe(1003);
  });

  it('refuses a text frame on the peer port with close 1003', async () => {
    const n = await node({});
    const peer = await dialPeer(n.url);
    peer.ws.send('{"type":"peer-hello"}');
    expect(await peer.closed).toBe(1003);
  });

  it('writes at most refusalLogLinesMax warn lines for a flood of refused peer hellos', async () => {
    const lines: string[] = [];
    const n = await node({ clusterSecret: 's3cret', logLevel: 'warn', logDestination: { write: (line: string) => void lines.push(line) } });
    for (let i = 0; i < 3 * refusalLogLinesMax; i++) {
      const peer = await dialPeer(n.url);
      peer.send(peerHello('wrong'));
      expect(await peer.next()).toMatchObject({ type: 'peer-error', code: 'unauthorized' });
      await peer.closed;
    }
    expect(lines.filter((l) => l.includes('refused a peer connection'))).toHaveLength(refusalLogLinesMax);
  });
});
