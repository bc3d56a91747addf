#!/usr/bin/env node
// Checks what each public package would publish, from the tarball `pnpm pack` makes
// (run after a build; `pnpm test` builds through `pnpm typecheck`):
//   1. publint --strict passes (package.json fields, exports, files).
//   2. @arethetypeswrong/cli passes: types resolve for node10, node16 from CJS and
//      from ESM, and bundlers. Its rule cjs-resolves-to-esm is ignored: the packages
//      are ESM-only and Node >= 20.19 require()s ESM (import works on any Node 20), as
//      TypeScript >= 5.8 `nodenext` type-checks it; the bundled TypeScript of attw (5.6)
//      predates that. scripts/scratch-install.test.mjs proves require() and `nodenext` on a real install.
//   3. `exports` lists `types` first in every condition object.
//   4. LICENSE is shipped and is the repository's LICENSE, byte for byte.
//   5. The README has no relative links (npm renders it outside the repository).
//   6. Every source map's `sources` are in the tarball.
//
// Usage: node scripts/check-packages.mjs   (exit 1 and the findings on failure)
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { packPackage, publicPackages, tarballFiles } from './packages.mjs';

const run = promisify(execFile);
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => join(root, 'node_modules', '.bin', name);

/** Findings of the checks 3 to 6 on one unpacked tarball (`files` from tarballFiles). */
export function checkTarball(files, rootLicense) {
  const findings = [];
  const byPath = new Map(files.map((f) => [f.path, f]));
  const pkg = JSON.parse(byPath.get('package.json').data.toString('utf8'));
  const visit = (node, where) => {
    if (node === null || typeof node !== 'object') return;
    const keys = Object.keys(node);
    if (keys.includes('types') && keys[0] !== 'types') findings.push(`exports${where}: "types" must come first`);
    for (const key of keys) visit(node[key], `${where}[${JSON.stringify(key)}]`);
  };
  visit(pkg.exports, '');
  const license = byPath.get('LICENSE');
  if (license === undefined) findings.push('LICENSE is not shipped');
  else if (!license.data.equals(rootLicense)) findings.push('LICENSE differs from the repository LICENSE');
  const readme = byPath.get('README.md');
  if (readme === undefined) findings.push('README.md is not shipped');
  else {
    for (const m of readme.data.toString('utf8').matchAll(/\]\(([^)\s]+)\)/g)) {
      if (!/^(https?:|mailto:|#)/.test(m[1])) findings.push(`README.md: relative link ${m[1]} (make it absolute)`);
    }
  }
  for (const f of files) {
    if (!f.path.endsWith('.map')) continue;
    const map = JSON.parse(f.data.toString('utf8'));
    for (const source of map.sources ?? []) {
      const target = posix.normalize(posix.join(posix.dirname(f.path), map.sourceRoot ?? '', source));
      if (!byPath.has(target)) findings.push(`${f.path}: source ${target} is not shipped`);
    }
  }
  return findings;
}

async function tool(name, args) {
  try {
    await run(bin(name), args, { cwd: root, maxBuffer: 16 << 20, env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' } });
    return [];
  } catch (error) {
    return [`${name} failed:\n${error.stdout ?? ''}${error.stderr ?? ''}`.trimEnd()];
  }
}

async function main() {
  const dest = mkdtempSync(join(tmpdir(), 'ringkv-check-packages-'));
  const rootLicense = readFileSync(join(root, 'LICENSE'));
  let failed = 0;
  try {
    const packed = publicPackages(root).map((p) => ({ ...p, tgz: packPackage(p.dir, dest) }));
    // Two at a time: the machine's cores are shared.
    const queue = [...packed];
    const worker = async () => {
      for (let p = queue.shift(); p !== undefined; p = queue.shift()) {
        const findings = [
          ...(await tool('publint', ['run', p.tgz, '--strict'])),
          ...(await tool('attw', [p.tgz, '--ignore-rules', 'cjs-resolves-to-esm', '--format', 'ascii', '--no-emoji'])),
          ...checkTarball(tarballFiles(p.tgz), rootLicense),
        ];
        if (findings.length > 0) failed++;
        const head = `${findings.length === 0 ? 'ok  ' : 'FAIL'} ${p.name}@${p.version}`;
        process.stdout.write([head, ...findings.map((f) => `  ${f.replaceAll('\n', '\n  ')}`)].join('\n') + '\n');
      }
    };
    await Promise.all([worker(), worker()]);
  } finally {
    rmSync(dest, { recursive: true, force: true });
  }
  if (failed > 0) {
    process.stdout.write(`check:packages: ${failed} package(s) failed\n`);
    process.exitCode = 1;
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
