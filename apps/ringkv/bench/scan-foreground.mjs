#!/usr/bin/env node
/**
 * Foreground latency while keys are listed (issue 18: "throttled so a scan
 * cannot starve the foreground; measure the p99 of a concurrent load with
 * and without a scan").
 *
 * Three node processes (`ringkv dev`, N=3, R=W=2) on ports BASE…BASE+2
 * (SCANBENCH_PORT, default 17300). SCANBENCH_KEYS keys (default 100,000,
 * 100-byte values) are written first. Then, REPEATS times (SCANBENCH_REPEATS,
 * default 3), alternating: a closed-loop load of 50 connections × 1 request
 * in flight (`ringkv bench -c 50 -P 1`, 50 % gets, SCANBENCH_SECONDS,
 * default 15 s) alone, and the same load while `ringkv keys` lists every key
 * again and again through another node. Prints one JSON line per run and a
 * table of p50/p99/ops per second, and the keys listed per second.
 *
 * The nodes' scan rate is their default (8 MiB/s) unless
 * RINGKV_SCAN_BYTES_PER_SEC is set (the dev nodes inherit the environment).
 *
 * Run (after pnpm build): node apps/ringkv/bench/scan-foreground.mjs
 * Not part of `pnpm test`.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const base = Number(process.env.SCANBENCH_PORT ?? 17300);
const keys = Number(process.env.SCANBENCH_KEYS ?? 100_000);
const repeats = Number(process.env.SCANBENCH_REPEATS ?? 3);
const seconds = Number(process.env.SCANBENCH_SECONDS ?? 15);
const urls = [0, 1, 2].map((i) => `ws://127.0.0.1:${base + i}`);
const dir = mkdtempSync(join(tmpdir(), 'ringkv-scanbench-'));

/** Runs the CLI to completion; resolves with its stdout. */
function run(args, { quiet = false } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', quiet ? 'ignore' : 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`ringkv ${args.join(' ')} exited ${code}`))));
  });
}

/** `ringkv keys` over and over until `stop()`; counts the keys listed (as they stream) and the passes completed. */
async function scanLoop(stop) {
  const counted = { keys: 0, passes: 0, startedMs: Date.now() };
  while (!stop()) {
    const child = spawn(process.execPath, [cli, 'keys', '--url', urls[2], '--timeout-ms', '30000'], { stdio: ['ignore', 'pipe', 'ignore'] });
    child.stdout.on('data', (d) => {
      for (const c of d) if (c === 10) counted.keys++;
    });
    const poll = setInterval(() => stop() && child.kill('SIGINT'), 100);
    const code = await new Promise((resolve) => child.on('exit', resolve));
    clearInterval(poll);
    if (code === 0) counted.passes++;
  }
  counted.elapsedMs = Date.now() - counted.startedMs;
  return counted;
}

async function bench(label, withScan) {
  let done = false;
  const scans = withScan ? scanLoop(() => done) : Promise.resolve(undefined);
  const out = await run(['bench', '--seeds', urls.slice(0, 2).join(','), '-c', '50', '-P', '1', '--duration', `${seconds}s`, '--mix', '50/50', '-r', String(keys), '-d', '100', '--json']);
  done = true;
  const r = JSON.parse(out);
  const s = await scans;
  const row = { label, opsPerSec: r.all.opsPerSec, p50Ms: r.all.p50Ms, p99Ms: r.all.p99Ms, p999Ms: r.all.p999Ms, errors: r.errors, keysListedPerSec: s === undefined ? undefined : Math.round((s.keys * 1000) / s.elapsedMs), fullPasses: s?.passes };
  if (s !== undefined) row.keysListed = s.keys;
  console.log(JSON.stringify(row));
  return row;
}

const dev = spawn(process.execPath, [cli, 'dev', '--nodes', '3', '--base-port', String(base), '--dir', dir, '--log-level', 'error'], { stdio: ['ignore', 'ignore', 'inherit'] });
try {
  for (let i = 0; ; i++) {
    const ok = await run(['status', '--url', urls[0], '--json'], { quiet: true }).then((t) => JSON.parse(t).rows?.filter((m) => m.state === 'normal').length === 3, () => false);
    if (ok) break;
    if (i > 200) throw new Error('the cluster did not form');
    await new Promise((r) => setTimeout(r, 100));
  }
  console.error(`loadavg before: ${(await import('node:os')).loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  await run(['bench', '--seeds', urls.join(','), '-c', '50', '-P', '16', '-n', String(keys), '--mix', '0/100', '-r', String(keys), '-d', '100', '--json'], { quiet: true });
  const rows = [];
  for (let i = 0; i < repeats; i++) {
    rows.push(await bench('alone', false));
    rows.push(await bench('with scan', true));
  }
  console.log('\n| run | ops/s | p50 ms | p99 ms | p99.9 ms | errors | keys listed/s | full passes |\n|---|---|---|---|---|---|---|---|');
  for (const r of rows) console.log(`| ${r.label} | ${r.opsPerSec} | ${r.p50Ms} | ${r.p99Ms} | ${r.p999Ms} | ${r.errors} | ${r.keysListedPerSec ?? ''} | ${r.fullPasses ?? ''} |`);
  console.error(`loadavg after: ${(await import('node:os')).loadavg().map((x) => x.toFixed(2)).join(' ')}`);
} finally {
  dev.kill('SIGINT');
  await new Promise((r) => dev.on('exit', r));
  rmSync(dir, { recursive: true, force: true });
}
