import { describe, expect, it } from 'vitest';
import { connect as connectBrowser } from './connect-browser.js';
import { connect } from './connect.js';
import { tcpAddress } from './tcp-socket.js';
import { chooseTransport } from './transport.js';

describe('TLS options of the SDK', () => {
  it('tls:// and wss:// URLs are dialled over TCP inside TLS, tcp:// and ws:// in clear', () => {
    expect(tcpAddress('tls://db.example:7000')).toEqual({ host: 'db.example', port: 7000, tls: true });
    expect(tcpAddress('wss://[::1]')).toEqual({ host: '::1', port: 443, tls: true });
    expect(tcpAddress('tcp://127.0.0.1:7000')).toEqual({ host: '127.0.0.1', port: 7000, tls: false });
    expect(tcpAddress('ws://127.0.0.1:7000').tls).toBe(false);
    expect(() => tcpAddress('https://h:1')).toThrow(/tcp:\/\/ or tls:\/\//);
  });

  it('a tls:// seed selects the TCP transport, and a wss:// one may use it', () => {
    expect(chooseTransport('tls://h:1', undefined)).toBe('tcp');
    expect(chooseTransport('wss://h:1', 'tcp')).toBe('tcp');
    expect(() => chooseTransport(['tls://h:1'], 'websocket')).toThrow(/needs transport 'tcp'/);
  });

  it('the browser build refuses options.ca with invalid-argument (browsers trust their own store)', async () => {
    await expect(connectBrowser('wss://h:1', { ca: '-----BEGIN CERTIFICATE-----' })).rejects.toMatchObject({ code: 'invalid-argument', message: expect.stringContaining('trust store') });
  });

  it('a ca that is not PEM text or bytes is invalid-argument, before anything is dialled', async () => {
    await expect(connect('wss://127.0.0.1:1', { ca: 42 as never })).rejects.toMatchObject({ code: 'invalid-argument', message: expect.stringContaining('options.ca') });
    await expect(connect('wss://127.0.0.1:1', { ca: [] as never })).rejects.toMatchObject({ code: 'invalid-argument' });
  });
});
