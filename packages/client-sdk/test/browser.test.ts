import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import * as nodeEntry from '@ringkv/client-sdk';
import { connect } from '@ringkv/client-sdk';
import * as browserEntry from '../src/browser.js';
import { startFakeServer } from './fake-server.js';

/**
 * A browser-like global `WebSocket`: only the WHATWG surface (no `terminate`,
 * no constructor options, `ArrayBuffer` messages), built on ws so it can
 * reach a real server.
 */
class BrowserWebSocket {
  static created = 0;
  private readonly inner: WebSocket;
  onopen: ((e: unknown) => void) | null = null;
  onmessage: ((e: { data: unknown }) => void) | null = null;
  onclose: ((e: { code: number; reason: string }) => void) | null = null;
  onerror: ((e: unknown) => void) | null = null;

  constructor(url: string) {
    BrowserWebSocket.created++;
    this.inner = new WebSocket(url);
    this.inner.binaryType = 'arraybuffer';
    this.inner.onopen = (e) => this.onopen?.(e);
    this.inner.onmessage = (e) => {
      if (!(e.data instanceof ArrayBuffer)) throw new Error('a browser delivers ArrayBuffer with binaryType arraybuffer');
      this.onmessage?.({ data: e.data });
    };
    this.inner.onclose = (e) => this.onclose?.({ code: e.code, reason: e.reason });
    this.inner.onerror = (e) => this.onerror?.(e);
  }
  get binaryType(): string {
    return 'arraybuffer';
  }
  set binaryType(value: string) {
    if (value !== 'arraybuffer') throw new Error(`the SDK must ask for arraybuffer, got ${value}`);
  }
  get readyState(): number {
    return this.inner.readyState;
  }
  get bufferedAmount(): number {
    return this.inner.bufferedAmount;
  }
  send(data: Uint8Array): void {
    this.inner.send(data);
  }
  close(code?: number, reason?: string): void {
    if (code !== undefined && code !== 1000 && (code < 3000 || code > 4999)) throw new Error('InvalidAccessError');
    this.inner.close(code, reason);
  }
}

const g = globalThis as { WebSocket?: unknown };
const original = g.WebSocket;
afterEach(() => {
  if (original === undefined) delete g.WebSocket;
  else g.WebSocket = original;
});

describe('browser path', () => {
  it('uses the global WebSocket when there is one and works through its standard surface', async () => {
    const server = await startFakeServer();
    g.WebSocket = BrowserWebSocket;
    const before = BrowserWebSocket.created;
    const client = await connect(server.url);
    try {
      await client.put('k', { hello: 'browser' });
      expect((await client.get('k')).values).toEqual([{ hello: 'browser' }]);
      expect(BrowserWebSocket.created).toBe(before + 1);
    } finally {
      await client.close();
      await server.close();
    }
  });

  it('closes with a code a browser accepts after a malformed frame', async () => {
    const server = await startFakeServer({ onRequest: (req) => req.socket.send(new Uint8Array([0xc1])) });
    g.WebSocket = BrowserWebSocket;
    const client = await connect(server.url, { reconnectBaseMs: 1000, reconnectCapMs: 1000 });
    try {
      await expect(client.get('k')).rejects.toMatchObject({ code: 'malformed-frame' });
    } finally {
      await client.close();
      await server.close();
    }
  });

  it('the browser entry exports the same names as the Node entry, with its own connect', () => {
    expect(Object.keys(browserEntry).sort()).toEqual(Object.keys(nodeEntry).sort());
    expect(browserEntry.connect).not.toBe(nodeEntry.connect);
    expect(browserEntry.RingkvClient).toBe(nodeEntry.RingkvClient);
  });

  it('the browser entry connects through the global WebSocket', async () => {
    const server = await startFakeServer();
    g.WebSocket = BrowserWebSocket;
    const before = BrowserWebSocket.created;
    const client = await browserEntry.connect(server.url);
    try {
      await client.put('k', 1);
      expect((await client.get('k')).values).toEqual([1]);
      expect(BrowserWebSocket.created).toBe(before + 1);
    } finally {
      await client.close();
      await server.close();
    }
  });

  it('the browser entry rejects with not-connected when the platform has no WebSocket and none was passed', async () => {
    delete g.WebSocket;
    await expect(browserEntry.connect('ws://127.0.0.1:1')).rejects.toMatchObject({ code: 'not-connected' });
  });
});
