import { readdirSync, existsSync } from 'node:fs';
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
