/**
 * How the CLI calls a node's admin HTTP endpoints (`/admin/*` and
 * `POST /repair`): the bearer token, a timeout, and the node's answers
 * turned into values or one-line `CliError`s.
 *
 * The node's contract: errors are JSON `{"error":{"code","message"}}` with
 * 400, 401, 403, 404, 409 or 503; with tokens configured, POSTs and
 * `/admin/plan` need `Authorization: Bearer <token>` of an admin token, and
 * `/status` and `/metrics` one of any role (unless `--metrics-public`).
 *
 * Invariants:
 *   1. Every failure is a `CliError` naming the command: no answer →
 *      `unreachable`; 401 → `unauthorized`; a refusal the node explains
 *      (400/403/404/409) → `rejected` with the node's code in brackets; 503 and
 *      anything else → `failed`. The user never sees a stack or raw HTML.
 *   2. The token is sent only when one is configured, and never printed.
 */
import type { AdminTarget } from '../args.js';
import { CliError, oneLine } from '../errors.js';
import type { Io } from '../io.js';
import { adminTimeoutMs } from '../limits.js';
import { fetchJson } from './dev.js';
import { bearerHeaders, httpOf } from './node-http.js';
import { nodeUrl } from './kv.js';

/** One admin request. */
export interface AdminRequest {
  readonly method: 'GET' | 'POST';
  /** Path below the node's HTTP root, e.g. `/admin/leave`. */
  readonly path: string;
  /** Query parameters; undefined ones are left out. */
  readonly query?: Readonly<Record<string, string | number | undefined>>;
  /** JSON body of a POST. */
  readonly body?: unknown;
  /** Binary body of a POST (`application/octet-stream`), instead of `body`. */
  readonly rawBody?: Uint8Array;
  /** Abort after this long (default `adminTimeoutMs`). */
  readonly timeoutMs?: number;
}

/** The node's HTTP root for `target` (`--url`, else `$RINGKV_URL`, else the default port). */
export function adminBase(target: AdminTarget, env: Io['env']): string {
  return httpOf(nodeUrl(target.url, env));
}

/** The bearer token: `--token`, else `$RINGKV_TOKEN`, else `$RINGKV_AUTH_TOKEN` (the node's client token is also its admin token). */
export function adminToken(target: AdminTarget, env: Io['env']): string | undefined {
  return target.token ?? (env.RINGKV_TOKEN || env.RINGKV_AUTH_TOKEN || undefined);
}

/**
 * Sends the request and returns the response when its status is 2xx;
 * otherwise throws as invariant 1 says. The body of a 2xx is left unread
 * (repair streams it).
 */
export async function adminFetch(command: string, target: AdminTarget, io: Io, request: AdminRequest): Promise<Response> {
  const url = new URL(`${adminBase(target, io.env)}${request.path}`);
  for (const [name, value] of Object.entries(request.query ?? {})) if (value !== undefined) url.searchParams.set(name, String(value));
  const token = adminToken(target, io.env);
  const headers = bearerHeaders(token);
  if (request.body !== undefined) headers['content-type'] = 'application/json';
  if (request.rawBody !== undefined) headers['content-type'] = 'application/octet-stream';
  const body = request.rawBody ?? (request.body === undefined ? undefined : JSON.stringify(request.body));
  let res: Response;
  try {
    res = await fetch(url, {
      method: request.method,
      headers,
      ...(body === undefined ? {} : { body }),
      signal: AbortSignal.timeout(request.timeoutMs ?? adminTimeoutMs),
    });
  } catch (error) {
    throw new CliError('unreachable', `${command}: cannot reach ${url.origin} (${causeText(error)}; is a node running there?)`, { cause: error });
  }
  if (res.ok) return res;
  throw await refusal(command, request, res, token !== undefined);
}

/** `adminFetch`, then the body as JSON (a 2xx that is not JSON is a `failed` error). */
export async function adminJson<T>(command: string, target: AdminTarget, io: Io, request: AdminRequest): Promise<T> {
  const res = await adminFetch(command, target, io, request);
  const text = await res.text();
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new CliError('failed', `${command}: the node answered ${res.status} with something that is not JSON: ${snippet(text)}`);
  }
}

/** The error for a non-2xx answer (invariant 1). */
async function refusal(command: string, request: AdminRequest, res: Response, sentToken: boolean): Promise<CliError> {
  const text = await res.text().catch(() => '');
  const { code, message } = errorOf(text);
  if (res.status === 401) {
    const hint = sentToken ? 'the token was refused' : 'the node needs a token: give --token or set $RINGKV_TOKEN';
    return new CliError('unauthorized', `${command}: ${hint}${message === undefined ? '' : ` (${message})`}`);
  }
  // A node without the route answers its generic 404/405 with a plain string error: an older ringkv.
  if ((res.status === 404 || res.status === 405) && code === undefined) {
    return new CliError('failed', `${command}: the node does not serve ${request.method} ${request.path} (is it an older ringkv?)`);
  }
  const what = message ?? `${res.status} ${snippet(text)}`;
  const suffix = code === undefined ? '' : ` [${code}]`;
  const kind = res.status === 400 || res.status === 403 || res.status === 404 || res.status === 409 ? 'rejected' : 'failed';
  return new CliError(kind, `${command}: ${what}${suffix}`);
}

/** The node's `{"error":{"code","message"}}`, tolerating the older `{"error":"…"}`. */
function errorOf(text: string): { code: string | undefined; message: string | undefined } {
  try {
    const body = JSON.parse(text) as { error?: unknown };
    const e = body.error;
    if (typeof e === 'string') return { code: undefined, message: stripPrefix(e) };
    if (typeof e === 'object' && e !== null) {
      const { code, message } = e as { code?: unknown; message?: unknown };
      return { code: typeof code === 'string' ? code : undefined, message: typeof message === 'string' ? stripPrefix(message) : undefined };
    }
  } catch {
    // Not JSON: a proxy's page or a truncated answer; the caller shows a snippet.
  }
  return { code: undefined, message: undefined };
}

function stripPrefix(message: string): string {
  return oneLine(message.replace(/^node-server: /, ''));
}

function snippet(text: string): string {
  const line = oneLine(text);
  return line.length > 120 ? `${line.slice(0, 120)}…` : line || '(empty body)';
}

function causeText(error: unknown): string {
  const e = error as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError') return 'no answer in time';
  const text = e.cause?.code ?? e.cause?.message ?? e.message ?? String(error);
  return /CERT|SELF_SIGNED|UNABLE_TO_VERIFY/i.test(text) ? `${text}: the node's TLS certificate did not verify; give the cluster CA with --tls-ca FILE or $RINGKV_TLS_CA` : text;
}

/** Who the asked node counts as down, and how many other members (not left) it knows; undefined when its /status does not answer. */
export async function downAsSeenBy(target: AdminTarget, env: Io['env']): Promise<{ readonly self: string; readonly down: readonly string[]; readonly others: number } | undefined> {
  const s = await fetchJson<{ id: string; cluster?: { down?: string[]; members?: { id: string; status: string }[] } }>(`${adminBase(target, env)}/status`, undefined, bearerHeaders(adminToken(target, env)));
  if (s === undefined) return undefined;
  const others = (s.cluster?.members ?? []).filter((m) => m.id !== s.id && m.status !== 'left').length;
  return { self: s.id, down: [...(s.cluster?.down ?? [])].sort(), others };
}
