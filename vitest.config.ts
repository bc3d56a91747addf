import { defineConfig } from 'vitest/config';

// One run from the root covers every package; each package also runs alone
// with `pnpm --filter @ringkv/<name> test`, using its own vitest.config.ts.
export default defineConfig({
  test: {
    projects: ['packages/*/vitest.config.ts', 'apps/*/vitest.config.ts', 'tests/*/vitest.config.ts', 'scripts/vitest.config.mjs'],
    reporters: ['default', './scripts/summary-reporter.mjs'],
  },
});
