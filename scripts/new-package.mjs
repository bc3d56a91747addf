#!/usr/bin/env node
// Creates the skeleton of a workspace package: node scripts/new-package.mjs <name> "<description>" [--private]
import { copyFileSync, mkdirSync, writeFileSync, existsSync } from 'node:fs';
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

// `default` (not `import`): Node's require() of ESM (>= 20.19) and TypeScript's
// `nodenext` then resolve the same files; `types` first. See CONTRIBUTING.md.
const exportsMap = { '.': { types: './dist/index.d.ts', default: './dist/index.js' }, './package.json': './package.json' };
const repo = 'https://github.com/ringkv/ringkv';
const pkg = {
  name: `@ringkv/${name}`,
  version: '0.0.0',
  description,
  license: 'Apache-2.0',
  repository: { type: 'git', url: `git+${repo}.git`, directory: dir },
  homepage: `${repo}/tree/main/${dir}#readme`,
  bugs: { url: `${repo}/issues` },
  type: 'module',
  ...(isPrivate ? { private: true } : {}),
  exports: exportsMap,
  main: './dist/index.js',
  types: './dist/index.d.ts',
  files: ['dist', '!dist/.tsbuildinfo', 'src', '!src/**/*.test.ts', '!src/**/__snapshots__', 'README.md', 'CHANGELOG.md', 'LICENSE'],
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
// Each package ships the repository's LICENSE; check:packages keeps the copies identical.
copyFileSync('LICENSE', join(dir, 'LICENSE'));
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
