/**
 * How the page talks to the node that served it: JSON GETs and the live
 * stream, with the bearer token when the node has one.
 *
 * Invariants:
 *   1. The token lives in this tab only: sessionStorage (gone when the tab
 *      closes, never sent to another origin), never localStorage or a cookie.
 *   2. A 401 is `DashboardError('unauthorized')`, so the page asks for the
 *      token again; other failures carry the node's error code and message.
 *   3. Every request goes to the page's own origin (relative URLs).
 */
import { DashboardError } from '../errors.js';
import { tokenStorageKey } from '../limits.js';
import type { LiveSample } from '../contract.js';

/** The token of this tab, if one was given. */
export function token(): string | undefined {
  try {
    return sessionStorage.getItem(tokenStorageKey) ?? undefined;
  } catch {
    return undefined;
  }
}

/** Keeps `value` as this tab's token (invariant 1); an empty value forgets it. */
export function setToken(value: string): void {
  if (value === '') sessionStorage.removeItem(tokenStorageKey);
  else sessionStorage.setItem(tokenStorageKey, value);
}

function headers(): Record<string, string> {
  const t = token();
  return t === undefined ? {} : { authorization: `Bearer ${t}` };
}

async function failureOf(res: Response): Promise<DashboardError> {
  if (res.status === 401) return new DashboardError('unauthorized', 'the node needs its auth token', 401);
  let detail = `${res.status} ${res.statusText}`;
  try {
    const body = (await res.json()) as { error?: { code?: string; message?: string } | string };
    if (typeof body.error === 'string') detail = body.error;
    else if (body.error?.message !== undefined) detail = `${body.error.code ?? res.status}: ${body.error.message}`;
  } catch {
    // not JSON: the status line says enough
  }
  return new DashboardError('http', detail, res.status);
}

/** GETs `path` as JSON; rejects with a DashboardError (invariant 2). */
export async function getJson<T>(path: string): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, { headers: headers(), cache: 'no-store' });
  } catch (error) {
    throw new DashboardError('network', `the node did not answer (${(error as Error).message})`);
  }
  if (!res.ok) throw await failureOf(res);
  return (await res.json()) as T;
}

/**
 * Reads the live stream (`GET /dashboard/live`, server-sent events) until it
 * ends or `signal` aborts; calls `onSample` with each sample. Resolves never:
 * rejects with `unauthorized`, `http`, or `network` when the stream ends.
 */
export async function readLive(onSample: (sample: LiveSample) => void, signal: AbortSignal): Promise<never> {
  let res: Response;
  try {
    res = await fetch('/dashboard/live', { headers: { ...headers(), accept: 'text/event-stream' }, cache: 'no-store', signal });
  } catch (error) {
    throw new DashboardError('network', `the live stream did not open (${(error as Error).message})`);
  }
  if (!res.ok || res.body === null) throw await failureOf(res);
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let buffered = '';
  for (;;) {
    let chunk: ReadableStreamReadResult<Uint8Array>;
    try {
      chunk = await reader.read();
    } catch (error) {
      throw new DashboardError('network', `the live stream broke (${(error as Error).message})`);
    }
    if (chunk.done) throw new DashboardError('network', 'the live stream ended');
    buffered += decoder.decode(chunk.value, { stream: true });
    let end = buffered.indexOf('\n\n');
    while (end >= 0) {
      const event = buffered.slice(0, end);
      buffered = buffered.slice(end + 2);
      const data = event
        .split('\n')
        .filter((line) => line.startsWith('data: '))
        .map((line) => line.slice(6))
        .join('\n');
      if (data !== '') onSample(JSON.parse(data) as LiveSample);
      end = buffered.indexOf('\n\n');
    }
  }
}
