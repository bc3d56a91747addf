import { describe, expect, it } from 'vitest';
import { checkTarball } from './check-packages.mjs';

const license = Buffer.from('Apache License\n');
const file = (path, text) => ({ path, size: Buffer.byteLength(text), data: Buffer.from(text) });
const good = () => [
  file('package.json', JSON.stringify({ exports: { '.': { types: './dist/index.d.ts', default: './dist/index.js' } } })),
  file('LICENSE', 'Apache License\n'),
  file('README.md', 'See [the guide](https://example.org/guide) and [below](#limits).\n'),
  file('dist/index.js.map', JSON.stringify({ sources: ['../src/index.ts'] })),
  file('src/index.ts', 'export {};\n'),
];

describe('checkTarball', () => {
  it('accepts a package with types first, the LICENSE, absolute links and its map sources', () => {
    expect(checkTarball(good(), license)).toEqual([]);
  });

  it('reports types after another condition, a missing LICENSE, a relative link and a map source not shipped', () => {
    const files = good().filter((f) => f.path !== 'LICENSE' && f.path !== 'src/index.ts');
    files[0] = file('package.json', JSON.stringify({ exports: { '.': { default: './dist/index.js', types: './dist/index.d.ts' } } }));
    files[1] = file('README.md', 'See [the root](../../README.md).\n');
    expect(checkTarball(files, license)).toEqual([
      'exports["."]: "types" must come first',
      'LICENSE is not shipped',
      'README.md: relative link ../../README.md (make it absolute)',
      'dist/index.js.map: source src/index.ts is not shipped',
    ]);
  });

  it('reports a LICENSE that differs from the repository one', () => {
    const files = good().map((f) => (f.path === 'LICENSE' ? file('LICENSE', 'MIT\n') : f));
    expect(checkTarball(files, license)).toEqual(['LICENSE differs from the repository LICENSE']);
  });
});
