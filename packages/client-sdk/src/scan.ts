/**
 * Key listing for the public client (issue 18): one `scan` page through the
 * connection the router picks for a request without a key (the seed; with
 * `dc`, a node of that DC: router.ts invariant 6), and the async iterator
 * over every page.
 *
 * Invariants:
 *   1. Cursors are the node's bytes as base64url text: opaque, safe in a URL
 *      or a shell, and passed back unchanged. A string that is not base64url
 *      is `invalid-argument` before anything is sent; one that decodes to
 *      bytes no node wrote is refused by the node (`invalid-argument`).
 *   2. A listed key is a string when its bytes are well-formed UTF-8 (the
 *      same key as those bytes, docs/architecture.md "Data model"), else its
 *      bytes.
 *   3. `keys()` asks for the next page only when the caller has consumed the
 *      current one: at most one page is held, whatever the key count.
 */
import { scanLimitMax, type Key, type RequestOptions, type ScanOkMessage } from '@ringkv/protocol';
import type { Router } from './router.js';
import { RingkvError } from './errors.js';
import type { ScanOpts, ScanPage } from './types.js';
import { checkKey, checkPositiveInt, checkRequestOpts, describeArg } from './validate.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** A listed key (invariant 2). */
export function keyOf(bytes: Uint8Array): Key {
  try {
    return utf8.decode(bytes);
  } catch {
    return bytes;
  }
}

/** The cursor text of the node's bytes (invariant 1). */
export function cursorText(bytes: Uint8Array): string {
  // btoa, not Buffer: the SDK also runs in browsers.
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** The node's bytes of a cursor text; throws `invalid-argument` (invariant 1). */
export function cursorBytes(text: unknown): Uint8Array {
  if (typeof text !== 'string' || text.length === 0 || !/^[A-Za-z0-9_-]+$/.test(text)) {
    throw new RingkvError('invalid-argument', `scan: cursor must be the cursor text of a previous page, got ${describeArg(text)}`);
  }
  if (text.length % 4 === 1) throw new RingkvError('invalid-argument', 'scan: cursor is not the cursor text of a previous page (truncated)');
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (text.length % 4)) % 4));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

/** One page (`RingkvClient.scan`); rejects with RingkvError. */
export async function scanPage(router: Router, opts: ScanOpts | undefined): Promise<ScanPage> {
  checkRequestOpts('scan', opts);
  const o = opts ?? {};
  const op: { type: 'scan'; cursor?: Uint8Array; prefix?: Key; limit?: number } = { type: 'scan' };
  if (o.cursor !== undefined) op.cursor = cursorBytes(o.cursor);
  if (o.prefix !== undefined) {
    const problem = checkKey(o.prefix, router.codec.limits.keyBytesMax);
    if (problem !== undefined) throw new RingkvError(problem.code, `scan: prefix: ${problem.message.replace(/^client-sdk: /, '')}`);
    op.prefix = o.prefix;
  }
  if (o.limit !== undefined) op.limit = checkPositiveInt(o.limit, 'scan: limit', scanLimitMax);
  const wire: { r?: RequestOptions['r']; timeoutMs?: number } = {};
  if (o.r !== undefined) wire.r = o.r;
  // Checked before routing: bad input is refused without waiting for a connection.
  const route = await router.keyless('scan', o.timeoutMs ?? router.seed.settings.requestTimeoutMs);
  // Always sent: the node ends a page within half of it, so the page arrives before the client gives up.
  wire.timeoutMs = route.timeoutMs;
  const reply: ScanOkMessage = await route.dispatcher.request('scan-ok', 'scan', op, { timeoutMs: route.timeoutMs, wire });
  const keys = reply.keys.map(keyOf);
  return reply.cursor === undefined ? { keys } : { keys, cursor: cursorText(reply.cursor) };
}

/** Every key of the cluster, page after page (`RingkvClient.keys`; invariant 3). */
export async function* allKeys(router: Router, opts: Omit<ScanOpts, 'cursor'> | undefined): AsyncGenerator<Key, void, undefined> {
  let cursor: string | undefined;
  do {
    const page = await scanPage(router, cursor === undefined ? opts : { ...opts, cursor });
    yield* page.keys;
    cursor = page.cursor;
  } while (cursor !== undefined);
}
