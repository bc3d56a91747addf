// The public packages of the workspace, packed the way `pnpm publish` packs them
// (workspace: and catalog: ranges replaced), and the files inside a tarball.
// Shared by check-packages.mjs, publish-dry.mjs and the packaging test.
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

const GROUPS = ['packages', 'apps', 'tests'];

/** Every workspace package without `"private": true`: `{ dir, name, version, pkg }`, sorted by dir. */
export function publicPackages(root) {
  const found = [];
  for (const group of GROUPS) {
    const groupDir = join(root, group);
    if (!existsSync(groupDir)) continue;
    for (const name of readdirSync(groupDir).sort()) {
      const file = join(groupDir, name, 'package.json');
      if (!existsSync(file)) continue;
      const pkg = JSON.parse(readFileSync(file, 'utf8'));
      if (pkg.private === true) continue;
      found.push({ dir: join(groupDir, name), rel: `${group}/${name}`, name: pkg.name, version: pkg.version, pkg });
    }
  }
  return found;
}

/**
 * Packs one package with `pnpm pack` into `dest` and returns the tarball's path.
 * Throws (with pnpm's output) when packing fails. Needs the package built.
 */
export function packPackage(dir, dest) {
  const out = execFileSync('pnpm', ['pack', '--pack-destination', dest, '--json'], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return JSON.parse(out.slice(out.indexOf('{'))).filename;
}

/** The regular files in a .tgz: `[{ path, size }]` with `package/` stripped, in tarball order. */
export function tarballFiles(tgz) {
  const tar = gunzipSync(readFileSync(tgz));
  const files = [];
  let offset = 0;
  let longName;
  while (offset + 512 <= tar.length) {
    const header = tar.subarray(offset, offset + 512);
    if (header.every((b) => b === 0)) break;
    const field = (start, len) => header.subarray(start, start + len).toString('utf8').replace(/\0.*$/s, '');
    const size = parseInt(field(124, 12).trim() || '0', 8);
    const type = field(156, 1) || '0';
    const prefix = field(345, 155);
    let path = longName ?? (prefix ? `${prefix}/${field(0, 100)}` : field(0, 100));
    longName = undefined;
    const body = offset + 512;
    if (type === 'L') longName = tar.subarray(body, body + size).toString('utf8').replace(/\0.*$/s, '');
    else if (type === '0') files.push({ path: path.replace(/^package\//, ''), size, data: tar.subarray(body, body + size) });
    offset = body + Math.ceil(size / 512) * 512;
  }
  return files;
}
