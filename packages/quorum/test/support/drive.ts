/**
 * Driving promise-based code on a virtual clock: the ports return promises, so
 * between two timers the microtask queue must drain. `setImmediate` runs after
 * every pending microtask, so one turn per timer is enough.
 */
export interface Steppable {
  readonly clock: { now(): number; nextDueMs(): number | undefined; advance(ms: number): number };
  step(): boolean;
}

/** Lets every pending promise continuation run. */
export async function flush(): Promise<void> {
  await new Promise<void>((resolve) => setImmediate(resolve));
}

/** Fires timers one by one up to now + ms, draining microtasks after each. */
export async function advance(world: Steppable, ms: number): Promise<void> {
  const end = world.clock.now() + ms;
  await flush();
  for (;;) {
    const due = world.clock.nextDueMs();
    if (due === undefined || due > end) break;
    world.step();
    await flush();
  }
  world.clock.advance(end - world.clock.now());
  await flush();
}

/** Advances in slices until `promise` settles (or `limitMs` passes); returns its value. */
export async function settle<T>(world: Steppable, promise: Promise<T>, limitMs = 120_000, sliceMs = 10): Promise<T> {
  let done = false;
  promise.then(
    () => (done = true),
    () => (done = true),
  );
  const start = world.clock.now();
  await flush();
  while (!done && world.clock.now() - start < limitMs) await advance(world, sliceMs);
  if (!done) throw new Error(`promise did not settle within ${limitMs} simulated ms`);
  return promise;
}
