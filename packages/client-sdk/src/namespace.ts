/**
 * Typed namespaces: a key prefix (`name/`), a value type `T`, an optional
 * resolver for siblings and an optional codec.
 *
 * Invariants:
 *   1. A namespace key `k` is stored as the string `${name}/${k}`; names are
 *      non-empty and contain no `/`, so two namespaces never share a key.
 *   2. Every value read passes through `codec.decode` (when given) before
 *      the caller sees it; every value written through `codec.encode`.
 */

import { RingkvError, isRingkvError } from './errors.js';
import type { Key } from '@ringkv/protocol';
import type { GetResult, NamespaceGetResult, NamespaceOptions, PutOpts, RequestOpts, Sibling, UpdateOpts, UpdateResult, WriteOpts, WriteResult } from './types.js';

/** The client operations a namespace builds on (`RingkvClient` implements them; declared here to keep the import graph acyclic). */
export interface NamespaceHost {
  get<V>(key: Key, opts?: RequestOpts): Promise<GetResult<V>>;
  put(key: Key, value: unknown, opts?: PutOpts): Promise<WriteResult>;
  delete(key: Key, opts?: WriteOpts): Promise<WriteResult>;
  update<V>(key: Key, fn: (values: V[], read: GetResult<V>) => V, opts?: UpdateOpts): Promise<UpdateResult<V>>;
}

/**
 * A typed view of the keys under `name/`. Get one from `client.namespace`.
 *
 * Gotchas: keys are strings here; values of other types written to the same
 * keys outside the namespace fail `codec.decode` if there is a codec, and
 * are silently mistyped if there is not.
 */
export class Namespace<T> {
  private readonly prefix: string;

  constructor(
    private readonly client: NamespaceHost,
    readonly name: string,
    private readonly options: NamespaceOptions<T>,
  ) {
    if (typeof name !== 'string' || name.length === 0 || name.includes('/')) {
      throw new RingkvError('invalid-argument', `namespace name must be non-empty without "/", got ${JSON.stringify(name)}`);
    }
    this.prefix = `${name}/`;
  }

  /** The key as stored: `name/key`. */
  fullKey(key: string): string {
    if (typeof key !== 'string') throw new RingkvError('invalid-argument', 'namespace keys are strings');
    return this.prefix + key;
  }

  /** Every sibling, decoded, and `value`: the one value, or the resolver's merge of several. */
  async get(key: string, opts?: RequestOpts): Promise<NamespaceGetResult<T>> {
    const read = await this.read(key, opts);
    return { ...read, value: this.resolved(read.values) };
  }

  /** Writes `value` (encoded by the codec, if any); pass the context of the get it is based on. */
  put(key: string, value: T, opts?: PutOpts): Promise<WriteResult> {
    return this.client.put(this.fullKey(key), this.encode(value), opts);
  }

  /** Deletes the key (a tombstone superseding what `context` saw). */
  delete(key: string, opts?: WriteOpts): Promise<WriteResult> {
    return this.client.delete(this.fullKey(key), opts);
  }

  /**
   * Read, resolve with the namespace's `resolve`, apply `fn`, write back with
   * the context; retried when a new sibling appears (see `client.update`).
   * `current` is `undefined` when the key is missing. Siblings without a
   * resolver fail with `invalid-argument` rather than guess which to keep.
   */
  async update(key: string, fn: (current: T | undefined) => T, opts?: UpdateOpts): Promise<UpdateResult<T>> {
    const result = await this.client.update<unknown>(
      this.fullKey(key),
      (stored) => {
        const values = stored.map((v) => this.decode(v, key));
        const current = this.resolvedOrThrow(values, key);
        return this.encode(fn(current));
      },
      opts,
    );
    return { ...result, value: this.decode(result.value, key) };
  }

  private async read(key: string, opts?: RequestOpts): Promise<GetResult<T>> {
    const raw = await this.client.get<unknown>(this.fullKey(key), opts);
    const siblings: Sibling<T>[] = raw.siblings.map((s) => (s.tombstone ? s : { tombstone: false, value: this.decode(s.value, key) }));
    const values: T[] = [];
    for (const s of siblings) if (!s.tombstone) values.push(s.value);
    return { found: raw.found, values, siblings, context: raw.context };
  }

  private resolved(values: T[]): T | undefined {
    if (values.length <= 1) return values[0];
    return this.options.resolve === undefined ? undefined : this.options.resolve(values);
  }

  private resolvedOrThrow(values: T[], key: string): T | undefined {
    if (values.length > 1 && this.options.resolve === undefined) {
      throw new RingkvError('invalid-argument', `update ${this.prefix}${key}: ${values.length} siblings and namespace "${this.name}" has no resolve`);
    }
    return this.resolved(values);
  }

  private encode(value: T): unknown {
    return this.options.codec === undefined ? value : this.options.codec.encode(value);
  }

  private decode(stored: unknown, key: string): T {
    const codec = this.options.codec;
    if (codec === undefined) return stored as T;
    try {
      return codec.decode(stored);
    } catch (cause) {
      if (isRingkvError(cause)) throw cause;
      throw new RingkvError('invalid-message', `${this.prefix}${key}: codec.decode refused the stored value: ${String((cause as Error)?.message ?? cause)}`, { cause });
    }
  }
}
