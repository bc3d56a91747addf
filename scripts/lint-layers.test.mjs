import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { findCycle, importsOf, lintWorkspace, stripComments } from './lint-layers.mjs';

const rules = {
  packages: {
    low: { layer: 0, deps: [] },
    mid: { layer: 1, deps: ['low'], seams: ['src/real-clock.ts'] },
    top: { layer: 2, deps: ['mid', 'low'] },
    side: { layer: 2, deps: ['low'], testDeps: ['top'] },
    sim: { layer: 0, deps: [], testKit: true },
  },
};

let root;
function workspace(files) {
  root = mkdtempSync(join(tmpdir(), 'lint-layers-'));
  const pkgs = { low: {}, mid: { '@ringkv/low': 'workspace:*' }, top: { '@ringkv/mid': 'workspace:*', '@ringkv/low': 'workspace:*' }, side: { '@ringkv/low': 'workspace:*' }, sim: {} };
  for (const [name, deps] of Object.entries(pkgs)) {
    write(`packages/${name}/package.json`, JSON.stringify({ name: `@ringkv/${name}`, dependencies: deps, devDependencies: { '@ringkv/sim': 'workspace:*', '@ringkv/top': 'workspace:*' } }));
    write(`packages/${name}/src/index.ts`, 'export const x = 1;\n');
  }
  for (const [path, code] of Object.entries(files)) write(path, code);
  return lintWorkspace(root, rules);
}
function write(path, code) {
  const full = join(root, path);
  mkdirSync(dirname(full), { recursive: true });
  writeFileSync(full, code);
}
afterEach(() => root && rmSync(root, { recursive: true, force: true }));

describe('lint-layers', () => {
  it('accepts imports that follow the layers', () => {
    expect(workspace({ 'packages/top/src/a.ts': "import { x } from '@ringkv/mid';\nimport { y } from './b.js';\n", 'packages/top/src/b.ts': 'export const y = 2;\n' })).toEqual([]);
  });

  it('rejects a lower layer importing a higher one', () => {
    const findings = workspace({ 'packages/low/src/a.ts': "import { x } from '@ringkv/top';\n" });
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatch(/packages\/low\/src\/a\.ts: imports '@ringkv\/top', not allowed/);
  });

  it('rejects deep imports and relative paths into another package', () => {
    const findings = workspace({
      'packages/top/src/a.ts': "import { x } from '@ringkv/mid/src/inner.js';\n",
      'packages/top/src/b.ts': "import { x } from '../../mid/src/index.js';\n",
    });
    expect(findings.some((f) => /another package's internals/.test(f))).toBe(true);
    expect(findings.some((f) => /a file of another package/.test(f))).toBe(true);
  });

  it('allows @ringkv/sim in tests only', () => {
    expect(workspace({ 'packages/mid/src/a.test.ts': "import { Rng } from '@ringkv/sim';\n" })).toEqual([]);
    const findings = workspace({ 'packages/mid/src/a.ts': "import { Rng } from '@ringkv/sim';\n" });
    expect(findings[0]).toMatch(/'@ringkv\/sim', not allowed for mid/);
  });

  it('allows a testDeps package in tests but not in src', () => {
    expect(workspace({ 'packages/side/test/e2e.test.ts': "import { x } from '@ringkv/top';\n" })).toEqual([]);
    const findings = workspace({ 'packages/side/src/a.ts': "import { x } from '@ringkv/top';\n" });
    expect(findings).toEqual(["packages/side/src/a.ts: imports '@ringkv/top', not allowed for side by layers.json"]);
  });

  it('rejects real time, randomness and node:fs in layers 0 and 1 outside seam files', () => {
    const findings = workspace({
      'packages/mid/src/a.ts': "import { readFileSync } from 'node:fs';\nexport const t = Date.now();\nsetTimeout(() => {}, 1);\n",
      'packages/mid/src/real-clock.ts': 'export const now = () => Date.now();\n',
      'packages/low/src/b.ts': 'export const r = Math.random();\n',
      'packages/top/src/c.ts': 'export const t = Date.now();\n',
    });
    expect(findings).toEqual([
      "packages/low/src/b.ts: uses Math.random (take a Random)",
      "packages/mid/src/a.ts: imports 'node:fs'; layer 1 code reaches the disk only through its Vfs",
      'packages/mid/src/a.ts: uses Date.now (take a Clock)',
      'packages/mid/src/a.ts: uses setTimeout (take a Clock)',
    ]);
  });

  it('ignores forbidden names inside comments and strings', () => {
    expect(workspace({ 'packages/low/src/a.ts': "// never calls Date.now()\n/* Math.random() */\nexport const s = 'ws://host';\n" })).toEqual([]);
  });

  it('reports an import cycle between files of a package', () => {
    const findings = workspace({
      'packages/low/src/a.ts': "import { b } from './b.js';\nexport const a = 1;\n",
      'packages/low/src/b.ts': "import { a } from './a.js';\nexport const b = 2;\n",
    });
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatch(/low: import cycle (src\/a\.ts -> src\/b\.ts -> src\/a\.ts|src\/b\.ts -> src\/a\.ts -> src\/b\.ts)/);
  });

  it('reports an undeclared dependency and an unlisted package', () => {
    const findings = workspace({
      'packages/top/package.json': JSON.stringify({ name: '@ringkv/top', dependencies: { '@ringkv/mid': 'workspace:*' } }),
      'packages/top/src/a.ts': "import { x } from '@ringkv/low';\n",
      'packages/extra/package.json': JSON.stringify({ name: '@ringkv/extra' }),
    });
    expect(findings).toContain('extra: not listed in scripts/layers.json');
    expect(findings.some((f) => /does not declare it/.test(f))).toBe(true);
  });
});

describe('lint-layers helpers', () => {
  it('importsOf skips type-only imports and reads multi-line ones', () => {
    const code = "import type { A } from 'a';\nimport {\n  b,\n  c,\n} from 'bc';\nexport { d } from './d.js';\nconst e = await import('e');\n";
    expect(importsOf(code)).toEqual(['bc', './d.js', 'e']);
  });

  it('stripComments keeps strings that contain comment markers', () => {
    expect(stripComments("const u = 'http://x'; // gone\n")).toBe("const u = 'http://x'; \n");
  });

  it('findCycle finds a cycle and returns undefined for a DAG', () => {
    expect(findCycle(new Map([['a', new Set(['b'])], ['b', new Set(['c'])], ['c', new Set()]]))).toBeUndefined();
    expect(findCycle(new Map([['a', new Set(['b'])], ['b', new Set(['a'])]]))).toEqual(['a', 'b', 'a']);
  });
});
