/**
 * Reads the few figures the dashboard needs out of a node's Prometheus text
 * exposition (`/metrics`): counter sums and latency histograms, and the
 * quantile of the observations between two scrapes.
 *
 * The sampler reads `/metrics` rather than the node's Metrics object so it
 * sees every member the same way, over HTTP, whatever build they run.
 *
 * Invariants:
 *   1. Lines that are not samples (comments, blank, malformed) are skipped,
 *      never an error: an unknown line must not hide the known ones.
 *   2. Histogram buckets are summed over every label set except `le`, so a
 *      family split by operation or by any later label still reads as one.
 *   3. A quantile is estimated as Prometheus's `histogram_quantile` does:
 *      linear within the bucket holding the rank; in the `+Inf` bucket it is
 *      the largest finite bound; with no observations it is `undefined`.
 */

/** One sample line: its name, labels and value. */
export interface PromSample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

const sampleLine = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)/;
const labelPair = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** Parses exposition text into samples (invariant 1). Never throws. */
export function parsePromText(text: string): PromSample[] {
  const out: PromSample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = sampleLine.exec(line);
    if (m === null) continue;
    const value = Number(m[4] === '+Inf' ? Infinity : m[4] === '-Inf' ? -Infinity : m[4]);
    if (Number.isNaN(value)) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[3] ?? '').matchAll(labelPair)) labels[l[1] as string] = (l[2] as string).replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    out.push({ name: m[1] as string, labels, value });
  }
  return out;
}

/** The sum of `name`'s samples whose labels include every pair of `where`; 0 when there are none. */
export function sumOf(samples: readonly PromSample[], name: string, where: Readonly<Record<string, string>> = {}): number {
  let sum = 0;
  for (const s of samples) {
    if (s.name !== name) continue;
    if (Object.entries(where).every(([k, v]) => s.labels[k] === v)) sum += s.value;
  }
  return sum;
}

/** Cumulative bucket counts of histogram `name` by upper bound, summed over the label sets `keep` accepts (invariant 2), ascending, `+Inf` last. */
export function bucketsOf(samples: readonly PromSample[], name: string, keep: (labels: Readonly<Record<string, string>>) => boolean = () => true): [number, number][] {
  const byLe = new Map<number, number>();
  for (const s of samples) {
    if (s.name !== `${name}_bucket` || s.labels['le'] === undefined || !keep(s.labels)) continue;
    const le = s.labels['le'] === '+Inf' ? Infinity : Number(s.labels['le']);
    if (!Number.isNaN(le)) byLe.set(le, (byLe.get(le) ?? 0) + s.value);
  }
  return [...byLe].sort((a, b) => a[0] - b[0]);
}

/** `now − before` per bound (counters restarted in between: `now` alone); both cumulative, as `bucketsOf` returns them. */
export function bucketDelta(now: readonly [number, number][], before: readonly [number, number][] | undefined): [number, number][] {
  if (before === undefined) return now.map(([le, c]) => [le, c]);
  const old = new Map(before);
  const total = (b: readonly [number, number][]): number => b.at(-1)?.[1] ?? 0;
  if (total(now) < total(before)) return now.map(([le, c]) => [le, c]);
  return now.map(([le, c]) => [le, Math.max(0, c - (old.get(le) ?? 0))]);
}

/** The `q`-quantile (0 < q < 1) of cumulative buckets, in the buckets' unit (invariant 3). */
export function quantileOf(buckets: readonly [number, number][], q: number): number | undefined {
  const total = buckets.at(-1)?.[1] ?? 0;
  if (total <= 0) return undefined;
  const rank = q * total;
  let lowerLe = 0;
  let lowerCount = 0;
  for (const [le, count] of buckets) {
    if (count >= rank) {
      if (le === Infinity) return lowerLe;
      if (count === lowerCount) return le;
      return lowerLe + ((le - lowerLe) * (rank - lowerCount)) / (count - lowerCount);
    }
    lowerLe = le;
    lowerCount = count;
  }
  return lowerLe;
}
