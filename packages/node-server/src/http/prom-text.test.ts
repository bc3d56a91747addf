import { describe, expect, it } from 'vitest';
import { bucketDelta, bucketsOf, parsePromText, quantileOf, sumOf } from './prom-text.js';

const text = [
  '# HELP ringkv_requests_total Client requests answered.',
  '# TYPE ringkv_requests_total counter',
  'ringkv_requests_total{node="a",op="get",outcome="ok"} 10',
  'ringkv_requests_total{node="a",op="put",outcome="ok"} 5',
  'ringkv_requests_total{node="a",op="put",outcome="error"} 2',
  'this line is not a sample {',
  'ringkv_request_duration_seconds_bucket{node="a",op="get",le="0.001"} 4',
  'ringkv_request_duration_seconds_bucket{node="a",op="get",le="0.01"} 9',
  'ringkv_request_duration_seconds_bucket{node="a",op="get",le="+Inf"} 10',
  'ringkv_request_duration_seconds_bucket{node="a",op="put",le="0.001"} 0',
  'ringkv_request_duration_seconds_bucket{node="a",op="put",le="0.01"} 6',
  'ringkv_request_duration_seconds_bucket{node="a",op="put",le="+Inf"} 7',
  'ringkv_errors_total{node="a",code="a \\"quoted\\" code"} 3',
].join('\n');

describe('prom-text', () => {
  it('parsePromText skips comments and malformed lines and unescapes label values', () => {
    const samples = parsePromText(text);
    expect(samples).toHaveLength(10);
    expect(samples.at(-1)).toEqual({ name: 'ringkv_errors_total', labels: { node: 'a', code: 'a "quoted" code' }, value: 3 });
  });

  it('sumOf adds the samples whose labels match', () => {
    const samples = parsePromText(text);
    expect(sumOf(samples, 'ringkv_requests_total')).toBe(17);
    expect(sumOf(samples, 'ringkv_requests_total', { outcome: 'error' })).toBe(2);
    expect(sumOf(samples, 'no_such_metric')).toBe(0);
  });

  it('bucketsOf sums cumulative buckets over label sets, +Inf last', () => {
    const samples = parsePromText(text);
    expect(bucketsOf(samples, 'ringkv_request_duration_seconds')).toEqual([[0.001, 4], [0.01, 15], [Infinity, 17]]);
    expect(bucketsOf(samples, 'ringkv_request_duration_seconds', (l) => l['op'] === 'put')).toEqual([[0.001, 0], [0.01, 6], [Infinity, 7]]);
  });

  it('bucketDelta subtracts the earlier scrape, and takes the new one alone after a restart', () => {
    expect(bucketDelta([[1, 5], [Infinity, 9]], [[1, 2], [Infinity, 3]])).toEqual([[1, 3], [Infinity, 6]]);
    expect(bucketDelta([[1, 1], [Infinity, 2]], [[1, 2], [Infinity, 3]])).toEqual([[1, 1], [Infinity, 2]]);
    expect(bucketDelta([[1, 1]], undefined)).toEqual([[1, 1]]);
  });

  it('quantileOf interpolates within the bucket holding the rank, as histogram_quantile does', () => {
    // 10 observations: 4 under 1 ms, 5 in (1, 10] ms, 1 above.
    const buckets: [number, number][] = [[0.001, 4], [0.01, 9], [Infinity, 10]];
    expect(quantileOf(buckets, 0.2)).toBeCloseTo(0.0005, 9);
    expect(quantileOf(buckets, 0.5)).toBeCloseTo(0.001 + 0.009 * (1 / 5), 9);
    expect(quantileOf(buckets, 0.99)).toBe(0.01); // in +Inf: the largest finite bound
    expect(quantileOf([[0.001, 0], [Infinity, 0]], 0.5)).toBeUndefined();
    expect(quantileOf([], 0.5)).toBeUndefined();
  });
});
