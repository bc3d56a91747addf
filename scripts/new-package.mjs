#!/usr/bin/env node
// Creates the skeleton of a workspace package: node scripts/new-package.mjs <name> "<description>" [--private]
import { mkdirSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const [name, description = '', flag] = process.argv.slice(2);
if (!name || !/^[a-z][a-z0-9-]*$/.test(name)) {
  console.error('usage: node scripts/new-package.mjs <name> "<description>" [--private]');
  process.exit(2);
}
const dir = join('packages', name);
if (existsSync(dir)) {
  console.error(`new-package: ${dir} exists`);
  process.exit(1);
}
const isPrivate = flag === '--private';
mkdirSync(join(dir, 'src'), { recursive: true });
mkdirSync(join(dir, 'test'), { recursive: true });
mkdirSync(join(dir, 'bench'), { recursive: true });

const exportsMap = { '.': { types: './dist/index.d.ts', import: './dist/index.js' } };
const pkg = {
  name: `@ringkv/${name}`,
  version: '0.0.0',
  description,
  license: 'Apache-2.0',
  type: 'module',
  ...(isPrivate ? { private: true } : {}),
  exports: exportsMap,
  main: './dist/index.js',
  types: './dist/index.d.ts',
  files: ["dist", "!dist/.tsbuildinfo", "README.md"],
  sideEffects: false,
  engines: { node: '>=20' },
  scripts: {
    build: 'tsc -b',
    typecheck: 'tsc -p tsconfig.test.json',
    test: 'vitest run',
    bench: 'vitest bench --run',
  },
  ...(isPrivate ? {} : { publishConfig: { access: 'public', provenance: false } }),
  dependencies: {},
  devDependencies: { '@types/node': 'catalog:', typescript: 'catalog:', vitest: 'catalog:' },
};
writeFileSync(join(dir, 'package.json'), JSON.stringify(pkg, null, 2) + '\n');
writeFileSync(
  join(dir, 'tsconfig.json'),
  JSON.stringify(
    {
      extends: '../../tsconfig.base.json',
      compilerOptions: { rootDir: 'src', outDir: 'dist', tsBuildInfoFile: 'dist/.tsbuildinfo' },
      include: ['src'],
      exclude: ['src/**/*.test.ts'],
      references: [],
    },
    null,
    2,
  ) + '\n',
);
writeFileSync(
  join(dir, 'tsconfig.test.json'),
  JSON.stringify(
    {
      extends: '../../tsconfig.base.json',
      compilerOptions: { noEmit: true, composite: false, declaration: false, declarationMap: false },
      include: ['src', 'test', 'bench', 'vitest.config.ts'],
    },
    null,
    2,
  ) + '\n',
);
writeFileSync(
  join(dir, 'vitest.config.ts'),
  `import { packageProject } from '../../vitest.shared.js';\n\nexport default packageProject('${name}');\n`,
);
writeFileSync(join(dir, 'src', 'index.ts'), `// @ringkv/${name}: ${description}\nexport {};\n`);
writeFileSync(join(dir, 'README.md'), `# @ringkv/${name}\n\n${description}\n`);
console.log(`created ${dir}`);
