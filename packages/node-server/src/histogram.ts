/**
 * A fixed-bucket histogram in the Prometheus convention: a count per bucket
 * (rendered cumulatively, with `+Inf`), the sum and the count. Used for the
 * request latencies (metrics.ts) and the GC pauses (runtime.ts).
 *
 * Invariant: the bounds are fixed per metric (limits.ts), so histograms from
 * different nodes and restarts aggregate; observing touches arrays by index.
 */

/** What a histogram renders into (metrics.ts `TextWriter`). */
export interface SampleWriter {
  sample(name: string, value: number, labels?: string): void;
}

export class Histogram {
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  /** @param bounds ascending upper bounds of the buckets (`le`); a last `+Inf` bucket is implied */
  constructor(readonly bounds: readonly number[]) {
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(value: number): void {
    let i = 0;
    while (i < this.bounds.length && value > (this.bounds[i] as number)) i++;
    this.counts[i] = (this.counts[i] as number) + 1;
    this.sum += value;
    this.count++;
  }

  /** `name_bucket` (cumulative, then `+Inf`), `name_sum` and `name_count` samples; `labels` go before `le`. */
  render(w: SampleWriter, name: string, labels = ''): void {
    const prefix = labels === '' ? '' : `${labels},`;
    let cumulative = 0;
    this.bounds.forEach((le, b) => {
      cumulative += this.counts[b] as number;
      w.sample(`${name}_bucket`, cumulative, `${prefix}le="${le}"`);
    });
    w.sample(`${name}_bucket`, this.count, `${prefix}le="+Inf"`);
    w.sample(`${name}_sum`, this.sum, labels);
    w.sample(`${name}_count`, this.count, labels);
  }
}
