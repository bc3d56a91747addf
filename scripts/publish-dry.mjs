#!/usr/bin/env node
// Prints, per public package, every file `pnpm publish` would ship and its size,
// from the tarball `pnpm pack` makes (workspace: and catalog: ranges replaced as on
// publish), then the totals. Publishes nothing. Run after a build (`pnpm publish-dry`
// builds first).
//
// Usage: node scripts/publish-dry.mjs [--json]
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packPackage, publicPackages, tarballFiles } from './packages.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** `12345` → `12.1 kB` (npm's units: 1 kB = 1000 B). */
export function formatBytes(bytes) {
  if (bytes < 1000) return `${bytes} B`;
  if (bytes < 1_000_000) return `${(bytes / 1000).toFixed(1)} kB`;
  return `${(bytes / 1_000_000).toFixed(2)} MB`;
}

const dest = mkdtempSync(join(tmpdir(), 'ringkv-publish-dry-'));
try {
  const report = publicPackages(root).map((p) => {
    const tgz = packPackage(p.dir, dest);
    const files = tarballFiles(tgz).map(({ path, size }) => ({ path, size })).sort((a, b) => a.path.localeCompare(b.path));
    const unpacked = files.reduce((sum, f) => sum + f.size, 0);
    return { name: p.name, version: p.version, dir: p.rel, tarballBytes: statSync(tgz).size, unpackedBytes: unpacked, files };
  });
  if (process.argv.includes('--json')) {
    process.stdout.write(JSON.stringify(report, null, 2) + '\n');
  } else {
    for (const p of report) {
      process.stdout.write(`\n${p.name}@${p.version}  (${p.dir})\n`);
      for (const f of p.files) process.stdout.write(`  ${formatBytes(f.size).padStart(9)}  ${f.path}\n`);
      process.stdout.write(`  ${p.files.length} files, ${formatBytes(p.unpackedBytes)} unpacked, ${formatBytes(p.tarballBytes)} packed\n`);
    }
    process.stdout.write('\npackage                         version   files   unpacked     packed\n');
    for (const p of report) {
      process.stdout.write(
        `${p.name.padEnd(32)}${p.version.padEnd(10)}${String(p.files.length).padStart(5)}${formatBytes(p.unpackedBytes).padStart(11)}${formatBytes(p.tarballBytes).padStart(11)}\n`,
      );
    }
  }
} finally {
  rmSync(dest, { recursive: true, force: true });
}
