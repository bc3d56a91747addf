import { describe, expect, it } from 'vitest';
import type { RingkvNode } from './node.js';
import { stopOnSignals } from './signals.js';

function fakeNode(result: Promise<void>): RingkvNode & { stops: number } {
  const node = { id: 'n', url: 'ws://x', tcpUrl: 'tcp://x', httpUrl: 'http://x', stops: 0, stop: () => (node.stops++, result), reloadCertificates: () => false };
  return node;
}

describe('stopOnSignals', () => {
  it('stops the node gracefully on the signal and reports the outcome', async () => {
    const node = fakeNode(Promise.resolve());
    const outcome = new Promise<unknown>((resolve) => {
      const remove = stopOnSignals(node, { signals: ['SIGUSR2'], onStopped: (e) => (remove(), resolve(e ?? 'ok')) });
    });
    process.emit('SIGUSR2', 'SIGUSR2');
    expect(await outcome).toBe('ok');
    expect(node.stops).toBe(1);
    expect(process.listenerCount('SIGUSR2')).toBe(0);
  });

  it('passes a failed stop to onStopped', async () => {
    const node = fakeNode(Promise.reject(new Error('disk gone')));
    const outcome = new Promise<unknown>((resolve) => {
      const remove = stopOnSignals(node, { signals: ['SIGUSR2'], onStopped: (e) => (remove(), resolve(e)) });
    });
    process.emit('SIGUSR2', 'SIGUSR2');
    expect(String(await outcome)).toContain('disk gone');
  });
});
