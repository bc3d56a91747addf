import { afterEach, describe, expect, it, vi } from 'vitest';
import { isDashboardError } from '../errors.js';
import type { LiveSample } from '../contract.js';
import { getJson, readLive } from './api.js';

/** A response whose body arrives in the given chunks (the stream's framing must not depend on them). */
function streamed(chunks: string[]): Response {
  const encoder = new TextEncoder();
  return new Response(new ReadableStream({ start(c) { for (const chunk of chunks) c.enqueue(encoder.encode(chunk)); c.close(); } }), { status: 200 });
}

afterEach(() => vi.unstubAllGlobals());

describe('the page talking to its node', () => {
  it('readLive hands over each server-sent sample, across chunk boundaries, then fails with network when the stream ends', async () => {
    const a = JSON.stringify({ atMs: 1, self: 'n1' });
    const b = JSON.stringify({ atMs: 2, self: 'n1' });
    const text = `: comment\n\ndata: ${a}\n\ndata: ${b}\n\n`;
    vi.stubGlobal('fetch', async () => streamed([text.slice(0, 17), text.slice(17, 40), text.slice(40)]));
    const got: LiveSample[] = [];
    const error = await readLive((s) => got.push(s), new AbortController().signal).catch((e: unknown) => e);
    expect(got.map((s) => s.atMs)).toEqual([1, 2]);
    expect(isDashboardError(error) && error.code).toBe('network');
  });

  it('a 401 is unauthorized (the page asks for the token); another status carries the node error code and message', async () => {
    vi.stubGlobal('fetch', async () => new Response('{"error":{"code":"unauthorized","message":"no"}}', { status: 401 }));
    const unauthorized = await readLive(() => {}, new AbortController().signal).catch((e: unknown) => e);
    expect(isDashboardError(unauthorized) && unauthorized.code).toBe('unauthorized');
    vi.stubGlobal('fetch', async () => new Response('{"error":{"code":"bad-request","message":"the key must be 1 to 1024 bytes"}}', { status: 400 }));
    const bad = await getJson('/dashboard/key?key=').catch((e: unknown) => e);
    expect(isDashboardError(bad) && [bad.code, bad.status, bad.message]).toEqual(['http', 400, 'dashboard: bad-request: the key must be 1 to 1024 bytes']);
  });

  it('sends no Authorization header without a token in the tab', async () => {
    const seen: Record<string, string>[] = [];
    vi.stubGlobal('fetch', async (_path: string, init: { headers: Record<string, string> }) => {
      seen.push(init.headers);
      return new Response('{"ok":true}', { status: 200 });
    });
    expect(await getJson('/x')).toEqual({ ok: true });
    expect(seen[0]).toEqual({});
  });
});
