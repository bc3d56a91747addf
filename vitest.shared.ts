import { readdirSync, existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineProject, type UserWorkspaceConfig } from 'vitest/config';

const root = dirname(fileURLToPath(import.meta.url));

/**
 * Tests import sibling packages by their public name (`@ringkv/vclock`) and run
 * against their TypeScript sources, so `pnpm test` needs no build first. The
 * alias points at each package's `src/index.ts`: the public entry, never its
 * internals.
 */
function workspaceAliases(): Record<string, string> {
  const aliases: Record<string, string> = {};
  for (const group of ['packages', 'apps', 'tests']) {
    const dir = join(root, group);
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir)) {
      const entry = join(dir, name, 'src', 'index.ts');
      if (existsSync(entry)) aliases[`@ringkv/${name}`] = entry;
    }
  }
  return aliases;
}

/**
 * For `packageProject(name, computeGroup)`: a package whose tests only
 * compute (simulated clocks, networks and disks, codecs, fuzzing, files on
 * disk) and wait for no real-time deadline, so their load on the machine
 * cannot make them fail. Vitest runs such projects as a group of their own
 * (groups run one after the other), with a worker per core; every other
 * project keeps the default of cores − 1 workers (one on a 2-core machine),
 * so the process and socket tests, which run against real timers, never
 * share the machine with a second test file of the run. Every project of
 * this group must use these same settings (vitest refuses two `maxWorkers`
 * in one `groupOrder`).
 */
export const computeGroup = { maxWorkers: Math.max(2, availableParallelism()), sequence: { groupOrder: 1 } } satisfies UserWorkspaceConfig['test'];

/** The vitest project config every package uses; `extra` adds to `test`. */
export function packageProject(name: string, extra: UserWorkspaceConfig['test'] = {}) {
  return defineProject({
    resolve: { alias: workspaceAliases() },
    test: {
      name,
      include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
      testTimeout: 60_000,
      hookTimeout: 60_000,
      ...extra,
    },
  });
}
