#!/usr/bin/env node
// Builds the dashboard page into dist/ui/: src/ui/main.ts bundled by esbuild
// (with uPlot and the styles it imports) into app.js and app.css, and
// src/ui/index.html copied. No source maps: the bundle holds uPlot's code,
// whose sources the package does not ship (check:packages checks every map).
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist', 'ui');
mkdirSync(out, { recursive: true });
await build({
  entryPoints: { app: join(root, 'src', 'ui', 'main.ts') },
  bundle: true,
  minify: true,
  format: 'iife',
  target: ['chrome110', 'firefox110', 'safari16'],
  outdir: out,
  legalComments: 'eof',
  logLevel: 'warning',
});
copyFileSync(join(root, 'src', 'ui', 'index.html'), join(out, 'index.html'));
console.log(`dashboard: built ${out}`);
