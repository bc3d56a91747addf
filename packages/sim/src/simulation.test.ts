import { describe, expect, it } from 'vitest';
import { isSimError } from './errors.js';
import { seedNote, testSeed } from './seed.js';
import { Simulation } from './simulation.js';

const seed = testSeed(4242);

/** A small chatty world: 5 nodes, each on a timer sends to a random peer, on a jittery lossy network. */
function chatter(runSeed: number, ms = 5_000): Simulation {
  const sim = new Simulation({ seed: runSeed, link: { latencyMs: 5, jitterMs: 40, lossRate: 0.05, duplicateRate: 0.02 } });
  const ids = ['n0', 'n1', 'n2', 'n3', 'n4'];
  for (const id of ids) {
    const rng = sim.fork(`node:${id}`);
    const t = sim.network.transport(id);
    t.onMessage((from, m) => {
      if ((m as { ping?: boolean }).ping) t.send(from, { pong: true });
    });
    const tick = (): void => {
      t.send(rng.pick(ids.filter((x) => x !== id)), { ping: true, n: rng.int(1000) });
      sim.clock.setTimer(100 + rng.int(50), tick, `tick:${id}`);
    };
    sim.clock.setTimer(rng.int(100), tick, `tick:${id}`);
  }
  sim.advance(ms);
  return sim;
}

describe('Simulation', () => {
  it('gives the same trace hash for the same seed', () => {
    const a = chatter(seed);
    const b = chatter(seed);
    expect(a.traceLength()).toBeGreaterThan(100);
    expect(a.traceHash(), seedNote(seed)).toBe(b.traceHash());
    expect(a.traceTail()).toEqual(b.traceTail());
  });

  it('gives different trace hashes for different seeds', () => {
    const hashes = new Set([seed, seed + 1, seed + 2, seed + 3].map((s) => chatter(s).traceHash()));
    expect(hashes.size, seedNote(seed)).toBe(4);
  });

  it('folds test-recorded lines into the hash', () => {
    const a = chatter(seed, 1_000);
    const b = chatter(seed, 1_000);
    b.record('kill n3');
    expect(a.traceHash()).not.toBe(b.traceHash());
    expect(b.traceTail().at(-1)).toBe('1000 kill n3');
  });

  it('runs invariants after every step and throws with the invariant, step and seed', () => {
    const sim = new Simulation({ seed });
    let count = 0;
    for (let i = 1; i <= 10; i++) sim.clock.setTimer(i, () => count++, 'inc');
    sim.addInvariant('count stays below 5', () => (count < 5 ? undefined : `count is ${count}`));
    let caught: unknown;
    try {
      sim.runUntilIdle();
    } catch (error) {
      caught = error;
    }
    expect(isSimError(caught) && caught.code).toBe('invariant-violated');
    const message = (caught as Error).message;
    expect(message).toContain('count stays below 5');
    expect(message).toContain('step 5');
    expect(message).toContain('t=5 ms');
    expect(message).toContain(`SEED=${seed}`);
  });

  it('reports an invariant that throws or returns false the same way', () => {
    for (const check of [() => false, () => { throw new Error('boom'); }]) {
      const sim = new Simulation({ seed });
      sim.clock.setTimer(1, () => undefined);
      sim.addInvariant('never', check);
      expect(() => sim.step()).toThrow(/invariant "never" violated at step 1/);
    }
  });

  it('forks distinct streams per label and the same stream for the same label', () => {
    const sim = new Simulation({ seed });
    expect(sim.fork('x').nextUint32()).toBe(sim.fork('x').nextUint32());
    expect(sim.fork('x').nextUint32()).not.toBe(sim.fork('y').nextUint32());
  });
});
