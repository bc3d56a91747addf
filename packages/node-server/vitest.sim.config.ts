import { computeGroup, packageProject } from '../../vitest.shared.js';

/**
 * The root run splits node-server in two projects (`vitest.config.ts`, every
 * file, is what `pnpm --filter @ringkv/node-server test` runs). These files
 * drive a simulated cluster or clock, or fuzz the codecs: they wait for no
 * real time, so they run in the compute group (vitest.shared.ts) beside the
 * simulation packages. The rest, with real sockets and timers, is
 * `vitest.sockets.config.ts`.
 */
export const simFiles = [
  'test/fuzz.test.ts',
  'test/sim-cluster.test.ts',
  'test/scan-sim.test.ts',
  'test/anti-entropy/build.test.ts',
  'test/anti-entropy/schedule.test.ts',
  'test/topology/sim-join-leave.test.ts',
  'test/topology/sim-join-witness.test.ts',
  'test/topology/sim-left.test.ts',
];

export default packageProject('node-server-sim', { include: simFiles, ...computeGroup });
