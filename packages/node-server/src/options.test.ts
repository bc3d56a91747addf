import { describe, expect, it } from 'vitest';
import { isNodeServerError } from './errors.js';
import * as L from './limits.js';
import { isLoopbackHost, resolveOptions } from './options.js';

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
    });
    expect(o.setBytesMax).toBe(L.frameBytesMaxDefault - L.replyOverheadBytes);
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
    expect(resolveOptions({ id: 'n1', dataDir: '/tmp/x', host: '10.0.0.5', authToken: 't' }).host).toBe('10.0.0.5');
  });

  it('knows loopback hosts', () => {
    expect(['127.0.0.1', '127.1.2.3', 'localhost', '::1'].every(isLoopbackHost)).toBe(true);
    expect(['0.0.0.0', '10.0.0.1', '::', 'example.com'].some(isLoopbackHost)).toBe(false);
  });
});
