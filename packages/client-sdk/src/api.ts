/**
 * The public client: typed get/put/delete/update and namespaces over the
 * dispatcher (`client.ts`).
 *
 * Invariants:
 *   1. Values are packed with the protocol codec (bytes stay bytes, anything
 *      else is MessagePack) and unpacked the same way; a value the node
 *      returns that cannot be unpacked fails the get with `invalid-message`.
 *   2. `update` never writes without the context of the read it resolved,
 *      and gives up after a bounded number of rounds (`conflict`).
 */

import type { GetResult as WireGetResult, Key, RingMember, Sibling as WireSibling, WireReceipt } from '@ringkv/protocol';
import { Dispatcher, resolveSettings, type Finish } from './client.js';
import { Router, type RouterSettings } from './router.js';
import { RingkvError } from './errors.js';
import {
  manyOpsMax,
  poolConnectionsMaxDefault,
  poolConnectionsMaxLimit,
  ringRefreshMsDefault,
  ringRefreshMsMax,
  updateRetriesDefault,
  updateRetriesMax,
} from './limits.js';
import { Namespace } from './namespace.js';
import { allKeys, scanPage } from './scan.js';
import { checkKey, checkPositiveInt, checkRequestOpts, checkSeeds, describeArg } from './validate.js';
import type { WebSocketFactory } from './ports.js';
import type {
  ClientOptions,
  GetResult,
  ManyOutcome,
  ManyWrite,
  NamespaceOptions,
  PutOpts,
  RequestOpts,
  RingInfo,
  RingkvErrorLike,
  ScanOpts,
  ScanPage,
  Sibling,
  UpdateOpts,
  UpdateResult,
  WriteOpts,
  WriteResult,
} from './types.js';

/**
 * Opens a client with `defaultFactory` as the WebSocket implementation when
 * `options.webSocket` is not given. `connect` of each entry (`connect.ts`
 * for Node, `connect-browser.ts` for the `browser` export condition) passes
 * its own, so a browser bundle never reaches the module that imports `ws`.
 * Fails as `connect` does.
 * @internal
 */
export async function openClient(
  seeds: string | readonly string[],
  options: ClientOptions,
  defaultFactory: () => Promise<WebSocketFactory>,
): Promise<RingkvClient> {
  if (typeof options !== 'object' || options === null) throw new RingkvError('invalid-argument', `connect: options must be an object, got ${describeArg(options)}`);
  const settings = resolveSettings(checkSeeds(seeds), options);
  const factory = options.webSocket ?? (await defaultFactory());
  const router = new Router(new Dispatcher(settings, factory, options), settings, resolveRouting(options), factory, options);
  try {
    await router.start();
  } catch (error) {
    await router.close();
    throw error;
  }
  return new RingkvClient(router);
}

/**
 * A connected client. Create it with `connect`.
 *
 * Every method returns a promise that settles within its timeout (default
 * 5 s) and rejects only with `RingkvError`, except that an error thrown by
 * a caller's own function (`update`'s `fn`, a namespace `resolve`) is
 * passed through as it is.
 */
export class RingkvClient {
  /** A get's reply as its result (bound once, not a closure per request). */
  private readonly finishGet: Finish<'get-ok', GetResult<unknown>>;

  /** @internal Use `connect`. */
  constructor(private readonly dispatcher: Router) {
    this.finishGet = (reply, op) => this.decodeGet(reply, (op as { key: Key }).key, reply.receipt);
  }

  /** The id of the node the seed connection reaches now (`undefined` while reconnecting). */
  get nodeId(): string | undefined {
    return this.dispatcher.seed.nodeId;
  }

  /** The URL of the node the seed connection reaches now. */
  get url(): string | undefined {
    return this.dispatcher.seed.url;
  }

  /**
   * Requests sent so far per node id (pooled and seed connections): where
   * token-aware routing sent the load. A copy; for diagnostics and tests.
   */
  get requestsByNode(): ReadonlyMap<string, number> {
    return new Map(this.dispatcher.sentTo);
  }

  /**
   * Asks the seed connection's node for the cluster's ring now: members
   * (id, url, vnodes, weight, dc, rack, machine, status as that node judges
   * it), the placement version, N and the replication map. Also refreshes
   * the routing table.
   *
   * Gotchas: rejects like any request (`timeout`, `not-connected`); a node
   * that does not know the `ring` request rejects with its error code.
   */
  async ring(opts?: Pick<RequestOpts, 'timeoutMs'>): Promise<RingInfo> {
    checkRequestOpts('ring', opts);
    const reply = await this.dispatcher.seed.request('ring-ok', 'ring', { type: 'ring' }, { timeoutMs: opts?.timeoutMs });
    void this.dispatcher.refresh();
    const members = reply.members.map((m: RingMember) => ({ ...m }));
    return reply.replicas === undefined ? { version: reply.version, n: reply.n, members } : { version: reply.version, n: reply.n, replicas: { ...reply.replicas }, members };
  }

  /**
   * Reads every sibling of `key`.
   *
   * Details: `values` holds the live values (several = concurrent writes to
   * resolve), `siblings` every version including tombstones, `context` what
   * to pass to the next write. `T` is the caller's claim, not checked; use a
   * namespace with a codec to check it.
   */
  get<T = unknown>(key: Key, opts?: RequestOpts): Promise<GetResult<T>> {
    // Not async: the dispatcher's promise is returned as it is, the reply decoded by `finishGet` (issue 12: one promise per request).
    try {
      this.checkArgs('get', key, opts);
      return this.dispatcher.request('get-ok', `get ${label(key)}`, { type: 'get', key }, opts, this.finishGet as Finish<'get-ok', GetResult<T>>);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Writes `value` (any MessagePack value, or bytes sent as they are).
   *
   * Details: with the `context` of a get, the write replaces the siblings
   * that get saw; without, it becomes one more sibling. `ttl` (ms) makes the
   * value expire that long after the coordinator accepts it; `ifAbsent` /
   * `ifMatch` make it conditional: refused with `condition-failed`, whose
   * error carries the versions read (`error.current`).
   * Errors: `invalid-argument` for a bad ttl (not an integer in 1 … 10
   * years) or bad condition options, before anything is sent.
   * Gotchas: a `timeout` or `connection-closed` error is `indeterminate`: the
   * write may have been stored. Conditions are checked on W replicas without
   * consensus: not linearizable (README, "Conditional writes").
   */
  put(key: Key, value: unknown, opts?: PutOpts): Promise<WriteResult> {
    try {
      this.checkArgs('put', key, opts, { context: true, conditions: 'put' });
      const packed = this.pack(value, key);
      const context = opts?.context;
      // Built field by field: spreads cost more than the rest of the call.
      const op: { type: 'put'; key: Key; value: Uint8Array; valueEncoding?: 'msgpack'; context?: Uint8Array; ttlMs?: number; ifAbsent?: true; ifMatch?: true } = {
        type: 'put',
        key,
        value: packed.value,
      };
      if (packed.valueEncoding !== undefined) op.valueEncoding = packed.valueEncoding;
      if (context !== undefined) op.context = context;
      if (opts === undefined) return this.dispatcher.request('put-ok', `put ${label(key)}`, op, opts, finishWrite);
      if (opts.ttl !== undefined) op.ttlMs = opts.ttl;
      if (opts.ifAbsent === true) op.ifAbsent = true;
      if (opts.ifMatch === true) op.ifMatch = true;
      const sent = this.dispatcher.request('put-ok', `put ${label(key)}`, op, opts, finishWrite);
      return op.ifAbsent === true || op.ifMatch === true ? sent.catch((error: unknown) => this.rethrowCondition(error, key)) : sent;
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Reads many keys at once (DynamoDB's BatchGetItem, Redis's MGET).
   *
   * Details: every get is issued in the same tick, so the dispatcher sends
   * one `batch` frame per node (token-aware: each key to a replica of its
   * own, up to the node's `batchOpsMax` per frame), and each key gets its
   * own outcome, in input order: `{ ok: true, key, result }` or
   * `{ ok: false, key, error }`. One key's failure (a bad key, a
   * `quorum-not-met`, a timeout) never fails the others.
   * Errors (rejects): `invalid-argument` when `keys` is not an array or holds
   * more than `manyOpsMax` (1,000) keys.
   */
  async getMany<T = unknown>(keys: readonly Key[], opts?: RequestOpts): Promise<ManyOutcome<GetResult<T>>[]> {
    checkMany('getMany', keys);
    return Promise.all(keys.map((key) => settleMany(key, this.get<T>(key, opts))));
  }

  /**
   * Writes many keys at once (DynamoDB's BatchWriteItem, Redis's MSET): each
   * entry a put (`{ key, value, context? }`) or a delete
   * (`{ key, delete: true, context? }`), sent like `getMany`'s gets, with one
   * outcome per entry in input order. A failed write's error keeps its
   * `indeterminate` flag: it may have been stored.
   * Errors (rejects): `invalid-argument` when `entries` is not an array of
   * entries or holds more than `manyOpsMax` (1,000).
   */
  async putMany(entries: readonly ManyWrite[], opts?: RequestOpts): Promise<ManyOutcome<WriteResult>[]> {
    checkMany('putMany', entries);
    return Promise.all(
      entries.map((e, i) => {
        if (typeof e !== 'object' || e === null) return settleMany(undefined as unknown as Key, Promise.reject(new RingkvError('invalid-argument', `putMany: entry ${i} must be an object, got ${describeArg(e)}`)));
        const writeOpts: WriteOpts | undefined = e.context === undefined ? opts : { ...opts, context: e.context };
        return settleMany(e.key, 'delete' in e && e.delete === true ? this.delete(e.key, writeOpts) : this.put(e.key, (e as { value: unknown }).value, writeOpts));
      }),
    );
  }

  /**
   * Deletes `key` by writing a tombstone that supersedes what `context` saw.
   * Deleting a missing key succeeds. Indeterminate like `put`; with
   * `ifMatch` conditional like `put` (`condition-failed`).
   */
  delete(key: Key, opts?: WriteOpts): Promise<WriteResult> {
    try {
      this.checkArgs('delete', key, opts, { context: true, conditions: 'delete' });
      const context = opts?.context;
      const ifMatch = opts?.ifMatch === true;
      const op = { type: 'delete', key, ...(context === undefined ? {} : { context }), ...(ifMatch ? { ifMatch: true as const } : {}) } as const;
      const sent = this.dispatcher.request('delete-ok', `delete ${label(key)}`, op, opts, finishWrite);
      return ifMatch ? sent.catch((error: unknown) => this.rethrowCondition(error, key)) : sent;
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Read, resolve, write back: `fn` gets the current values (empty when the
   * key is missing; several when siblings exist) and returns the value to
   * store, which is written with the read's context.
   *
   * Details: after the write the key is read again; if a concurrent writer
   * left a new sibling, `fn` runs again on the new siblings, at most
   * `retries` more times (default 5), then `conflict`. `r` applies to its
   * reads, `w` to its writes, `timeoutMs` to each request.
   * Gotchas: `fn` may run several times: keep it free of side effects; if
   * it throws, `update` rejects with that error and writes nothing more.
   */
  async update<T = unknown>(key: Key, fn: (values: T[], read: GetResult<T>) => T, opts?: UpdateOpts): Promise<UpdateResult<T>> {
    this.checkArgs('update', key, opts, { retries: true });
    if (typeof fn !== 'function') throw new RingkvError('invalid-argument', `update: fn must be a function, got ${describeArg(fn)}`);
    const retries = checkRetries(opts?.retries);
    const readOpts: RequestOpts = { ...(opts?.timeoutMs === undefined ? {} : { timeoutMs: opts.timeoutMs }), ...(opts?.r === undefined ? {} : { r: opts.r }) };
    const writeOpts: RequestOpts = { ...(opts?.timeoutMs === undefined ? {} : { timeoutMs: opts.timeoutMs }), ...(opts?.w === undefined ? {} : { w: opts.w }) };
    let read = await this.get<T>(key, readOpts);
    for (let attempt = 1; ; attempt++) {
      const value = fn(read.values, read);
      await this.put(key, value, { ...writeOpts, context: read.context });
      read = await this.get<T>(key, readOpts);
      if (read.values.length <= 1) return { value, context: read.context, attempts: attempt };
      if (attempt > retries) {
        throw new RingkvError('conflict', `update ${label(key)}: still ${read.values.length} siblings after ${attempt} rounds`);
      }
    }
  }

  /**
   * One page of the cluster's keys (DynamoDB's Scan, etcd's get --prefix):
   * live keys only (deleted ones hidden), each once per pass, in the
   * cluster's stored order (by hash, not sorted). Pass the page's `cursor`
   * back for the next page; no cursor: done. A page may hold fewer than
   * `limit` keys, even none, and still have a cursor.
   *
   * Cost: a full pass reads every stored record on R replicas of each range,
   * prefix or not, paced by each node's scan rate (8 MiB/s by default).
   * Errors: `invalid-argument` (a cursor that is not one a page returned, a
   * limit outside 1…1000, bad options), `key-too-large` (prefix),
   * `unavailable` / `quorum-not-met` (too few replicas of a range answered),
   * `timeout`, `dc-unreachable` (connected with `dc`, no `dcFailover`). A
   * failed page can be retried with the same cursor.
   *
   * Routing: the seed connection; with `dc`, a connected node of that DC
   * (which coordinates the page), as other requests are kept in the DC.
   */
  scan(opts?: ScanOpts): Promise<ScanPage> {
    return scanPage(this.dispatcher, opts);
  }

  /**
   * Every key of the cluster, page by page: `for await (const key of
   * client.keys({ prefix: 'user/' }))`. Holds one page at a time; a failed
   * page rejects the iteration (use `scan` with cursors to resume).
   */
  keys(opts?: Omit<ScanOpts, 'cursor'>): AsyncGenerator<Key, void, undefined> {
    return allKeys(this.dispatcher, opts);
  }

  /**
   * A typed view of the keys under `name/`: `ns.get('42')` reads key
   * `name/42`. With `resolve`, `get` returns one `value` and `update` hands
   * `fn` a single current value; with `codec`, values are converted (and may
   * be checked) on the way in and out.
   */
  namespace<T>(name: string, options: NamespaceOptions<T> = {}): Namespace<T> {
    return new Namespace<T>(this, name, options);
  }

  /** Closes every connection (seed and pooled); pending requests fail with `closed` (writes indeterminate). Idempotent. */
  close(): Promise<void> {
    return this.dispatcher.close();
  }

  /** Throws `invalid-argument` (or `key-too-large`) for a bad key or options, before anything is queued. */
  private checkArgs(call: string, key: unknown, opts: unknown, fields?: { context?: boolean; retries?: boolean; conditions?: 'put' | 'delete' }): void {
    const problem = checkKey(key as Key, this.dispatcher.codec.limits.keyBytesMax);
    if (problem !== undefined) throw new RingkvError(problem.code, `${call}: ${problem.message.replace(/^client-sdk: /, '')}`);
    // The call's name for a message is built only when there are options to check (most requests have none).
    if (opts !== undefined) checkRequestOpts(`${call} ${label(key as Key)}`, opts, fields);
  }

  private pack(value: unknown, key: Key): { value: Uint8Array; valueEncoding?: 'msgpack' } {
    try {
      return this.dispatcher.codec.packValue(value);
    } catch (cause) {
      const code = (cause as RingkvError).code === 'value-too-large' ? 'value-too-large' : 'invalid-message';
      throw new RingkvError(code, `put ${label(key)}: ${(cause as Error).message}`, { cause });
    }
  }

  /** A `condition-failed` error again, with the versions read decoded into `current` (the node sent them in the error frame). */
  private rethrowCondition(error: unknown, key: Key): never {
    const wire = (error as { cause?: { current?: WireGetResult } }).cause?.current;
    if (!(error instanceof RingkvError) || error.code !== 'condition-failed' || wire === undefined) throw error;
    throw new RingkvError('condition-failed', error.message.replace(/^client-sdk: /, ''), { current: this.decodeGet(wire, key, undefined), cause: error.cause });
  }

  private decodeGet<T>(reply: WireGetResult, key: Key, receipt: WireReceipt | undefined): GetResult<T> {
    const siblings = reply.siblings.map((s) => this.decodeSibling<T>(s, key));
    const values: T[] = [];
    for (const s of siblings) if (!s.tombstone) values.push(s.value);
    return withReceipt({ found: values.length > 0, values, siblings, context: reply.context }, receipt);
  }

  private decodeSibling<T>(sibling: WireSibling, key: Key): Sibling<T> {
    if (!('value' in sibling)) return { tombstone: true };
    const result = this.dispatcher.codec.unpackValue(sibling.value, sibling.valueEncoding ?? 'bytes');
    if (!result.ok) throw new RingkvError('invalid-message', `get ${label(key)}: stored value unreadable: ${result.error.message}`, { cause: result.error });
    return { tombstone: false, value: result.value as T };
  }
}

/** A put's or delete's reply as its result. */
function finishWrite(reply: { readonly context: Uint8Array; readonly receipt?: WireReceipt | undefined }): WriteResult {
  return withReceipt({ context: reply.context }, reply.receipt);
}

function withReceipt<T extends object>(result: T, receipt: WireReceipt | undefined): T & { receipt?: WireReceipt } {
  return receipt === undefined ? result : { ...result, receipt };
}

/** The routing options with defaults, checked. */
function resolveRouting(options: ClientOptions): RouterSettings {
  const routing = options.routing ?? 'token-aware';
  if (routing !== 'token-aware' && routing !== 'any') {
    throw new RingkvError('invalid-argument', `routing must be 'token-aware' or 'any', got ${JSON.stringify(routing)}`);
  }
  const dc = options.dc;
  if (dc !== undefined && (typeof dc !== 'string' || dc === '' || dc.length > 256)) {
    throw new RingkvError('invalid-argument', `dc must be a data center name of 1 to 256 characters, got ${describeArg(dc)}`);
  }
  if (options.dcFailover !== undefined && typeof options.dcFailover !== 'boolean') {
    throw new RingkvError('invalid-argument', `dcFailover must be a boolean, got ${describeArg(options.dcFailover)}`);
  }
  if (dc !== undefined && routing !== 'token-aware') throw new RingkvError('invalid-argument', `dc needs routing 'token-aware' (it routes by the ring), got ${JSON.stringify(routing)}`);
  return {
    routing,
    dc,
    dcFailover: options.dcFailover ?? false,
    ringRefreshMs: checkPositiveInt(options.ringRefreshMs ?? ringRefreshMsDefault, 'ringRefreshMs', ringRefreshMsMax),
    poolConnectionsMax: options.poolConnectionsMax === 0 ? 0 : checkPositiveInt(options.poolConnectionsMax ?? poolConnectionsMaxDefault, 'poolConnectionsMax', poolConnectionsMaxLimit),
  };
}

function checkRetries(retries: number | undefined): number {
  if (retries === undefined) return updateRetriesDefault;
  if (retries === 0) return 0;
  return checkPositiveInt(retries, 'retries', updateRetriesMax);
}

/** A key for messages: strings as they are (shortened), bytes as hex. */
/** `invalid-argument` unless `items` is an array of at most `manyOpsMax`. */
function checkMany(call: string, items: unknown): void {
  if (!Array.isArray(items)) throw new RingkvError('invalid-argument', `${call}: expected an array, got ${describeArg(items)}`);
  if (items.length > manyOpsMax) throw new RingkvError('invalid-argument', `${call}: ${items.length} items exceed manyOpsMax (${manyOpsMax}); split them into several calls`);
}

/** A key's promise as its `ManyOutcome`: never rejects. */
function settleMany<R>(key: Key, promise: Promise<R>): Promise<ManyOutcome<R>> {
  return promise.then(
    (result) => ({ ok: true as const, key, result }),
    (error: unknown) => ({ ok: false as const, key, error: error as RingkvErrorLike }),
  );
}

export function label(key: Key): string {
  if (typeof key === 'string') return key.length > 64 ? `${key.slice(0, 61)}...` : key;
  const hex = Array.from(key.subarray(0, 32), (b) => b.toString(16).padStart(2, '0')).join('');
  return `0x${hex}${key.byteLength > 32 ? '...' : ''}`;
}
