/**
 * The seed of a randomized test: `SEED` from the environment when set (to
 * replay a failure), else the test's fixed default. Every randomized test takes
 * its seed from here and names it in its failure messages via `seedNote`.
 */
export function testSeed(defaultSeed: number): number {
  const raw = process.env['SEED'];
  if (raw === undefined || raw === '') return defaultSeed >>> 0;
  const parsed = Number(raw);
  if (!Number.isInteger(parsed)) {
    throw new Error(`sim: SEED must be an integer, got ${JSON.stringify(raw)}`);
  }
  return parsed >>> 0;
}

/** A suffix for assertion messages: how to replay this run. */
export function seedNote(seed: number): string {
  return `(seed ${seed}; replay with SEED=${seed})`;
}
