import { defineConfig } from 'vitest/config';

// One run from the root covers every package; each package also runs alone
// with `pnpm --filter @ringkv/<name> test`, using its own vitest.config.ts.
// node-server is two projects here (its vitest.sim.config.ts says why).
export default defineConfig({
  test: {
    projects: ['packages/*/vitest.config.ts', '!packages/node-server/vitest.config.ts', 'packages/node-server/vitest.*.config.ts', 'apps/*/vitest.config.ts', 'tests/*/vitest.config.ts', 'scripts/vitest.config.mjs'],
    reporters: ['default', './scripts/summary-reporter.mjs'],
  },
});
