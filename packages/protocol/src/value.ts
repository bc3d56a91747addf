/**
 * Turning a decoded user value into plain JavaScript without prototype risk.
 *
 * User values are decoded with every MessagePack map as a `Map` (msgpackr's
 * `mapsAsObjects: false`), so no key can reach an object's prototype during
 * decoding. This pass then turns each map whose keys are all strings into a
 * plain object (prototype `Object.prototype`, as `JSON.parse` returns), where
 * a `__proto__` key is defined as an ordinary own property (never set through
 * the setter, so it cannot replace the prototype), and keeps the others as
 * `Map`s so non-string keys survive.
 *
 * Invariants:
 *   1. No object produced here takes a prototype from the input: string-keyed
 *      maps become plain objects whose every key is an own data property.
 *   2. Recursion depth equals the value's nesting, which the value scan bounds
 *      by `valueDepthMax` before this runs.
 */

/** Converts in place where possible (arrays), returns the converted value. */
export function plainValue(value: unknown): unknown {
  if (value instanceof Map) return plainMap(value);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = plainValue(value[i]);
  }
  return value;
}

function plainMap(map: Map<unknown, unknown>): unknown {
  for (const key of map.keys()) {
    if (typeof key !== 'string') return keyedMap(map);
  }
  const out: Record<string, unknown> = {};
  for (const [key, value] of map) {
    if (key === '__proto__') Object.defineProperty(out, key, { value: plainValue(value), enumerable: true, writable: true, configurable: true });
    else out[key as string] = plainValue(value);
  }
  return out;
}

function keyedMap(map: Map<unknown, unknown>): Map<unknown, unknown> {
  const out = new Map<unknown, unknown>();
  for (const [key, value] of map) out.set(plainValue(key), plainValue(value));
  return out;
}

/**
 * Why `value` cannot be sent as a MessagePack value, or `undefined` when it
 * can: only null, undefined (sent as nil), booleans, numbers, bigints,
 * strings, `Uint8Array`s, `Date`s, arrays, plain or null-prototype objects
 * and `Map`s. msgpackr would otherwise convert a Set, an Error, a RegExp or
 * another typed array silently and lossily. Nesting deeper than `depthMax`
 * (which includes any cycle) is refused too.
 */
export function unpackableReason(value: unknown, depthMax: number): string | undefined {
  return check(value, depthMax, 0);
}

function check(value: unknown, depthMax: number, depth: number): string | undefined {
  switch (typeof value) {
    case 'undefined':
    case 'boolean':
    case 'number':
    case 'bigint':
    case 'string':
      return undefined;
    case 'object':
      break;
    default:
      return `a ${typeof value} cannot be sent`;
  }
  if (value === null || value instanceof Uint8Array || value instanceof Date) return undefined;
  if (depth >= depthMax) return `nesting deeper than ${depthMax} (or a cycle)`;
  if (Array.isArray(value)) return checkAll(value, depthMax, depth + 1);
  if (value instanceof Map) return checkAll([...value.keys(), ...value.values()], depthMax, depth + 1);
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) {
    const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
    return `a ${typeof name === 'string' ? name : 'class instance'} cannot be sent (only plain objects, arrays, Maps, Dates and Uint8Arrays)`;
  }
  return checkAll(Object.values(value), depthMax, depth + 1);
}

function checkAll(values: readonly unknown[], depthMax: number, depth: number): string | undefined {
  for (const item of values) {
    const reason = check(item, depthMax, depth);
    if (reason !== undefined) return reason;
  }
  return undefined;
}
