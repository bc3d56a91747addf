#!/usr/bin/env node
// The cost of TLS (issue 16): one node without TLS and one with (certificates from
// `ringkv dev --tls`'s code), in one sitting, `ringkv bench` 50 × 1 and 50 × 16 over
// WebSocket (ws:// vs wss://) and raw TCP (tcp:// vs tls://). Prints a Markdown table:
// throughput, p50 / p99, and the node's CPU per operation (utime + stime from
// /proc/PID/stat, as bench reads it through /status). Prints /proc/loadavg before and after.
//
//   pnpm build && node apps/ringkv/bench/tls-cost.mjs [seconds per run, default 8]
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeDevCertificates } from '../dist/tls-dev.js';

const cli = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'cli.js');
const seconds = Number(process.argv[2] ?? 8);
const dir = mkdtempSync(join(tmpdir(), 'ringkv-tls-cost-'));
const certs = makeDevCertificates(join(dir, 'tls'), ['tls']);
const node = certs.nodes.get('tls');
const env = { ...process.env, RINGKV_URL: '', RINGKV_TLS_CA: '', RINGKV_AUTH_TOKEN: '', RINGKV_TOKEN: '' };

function start(id, extra) {
  const proc = spawn(process.execPath, [cli, 'start', '--id', id, '--port', '0', '--data', join(dir, id), '--log-level', 'warn', ...extra], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    proc.stdout.on('data', (c) => {
      out += c;
      const m = /ready url=(\S+)/.exec(out);
      if (m) resolve({ proc, url: m[1], port: new URL(m[1]).port });
    });
    proc.on('exit', (code) => reject(new Error(`${id} exited with ${code}`)));
  });
}

function bench(url, inflight) {
  const args = [cli, 'bench', '--url', url, '-c', '50', '-P', String(inflight), '--duration', `${seconds}s`, '--json', '--tls-ca', certs.caFile];
  return new Promise((resolve, reject) => {
    execFile(process.execPath, args, { env, maxBuffer: 1 << 24 }, (error, stdout, stderr) => {
      if (error) return reject(new Error(`${url}: ${stderr || error.message}`));
      resolve(JSON.parse(stdout));
    });
  });
}

const loadBefore = readFileSync('/proc/loadavg', 'utf8').trim();
const plain = await start('plain', []);
const secure = await start('tls', ['--tls-cert', node.certFile, '--tls-key', node.keyFile, '--tls-ca', certs.caFile]);
const rows = [];
try {
  for (const inflight of [1, 16]) {
    for (const [transport, url] of [['ws://', plain.url], ['wss://', secure.url], ['tcp://', `tcp://127.0.0.1:${plain.port}`], ['tls://', `tls://127.0.0.1:${secure.port}`]]) {
      const r = await bench(url, inflight);
      const cpu = r.nodes[0]?.cpuUsPerOp;
      rows.push(`| 50 × ${inflight} | ${transport} | ${Math.round(r.all.opsPerSec).toLocaleString('en')} | ${r.all.p50Ms.toFixed(1)} / ${r.all.p99Ms.toFixed(1)} | ${cpu === undefined ? '–' : cpu.toFixed(1)} | ${r.clientCpuUsPerOp.toFixed(1)} | ${r.errors} |`);
      console.error(rows.at(-1));
    }
  }
} finally {
  plain.proc.kill('SIGTERM');
  secure.proc.kill('SIGTERM');
}
const loadAfter = readFileSync('/proc/loadavg', 'utf8').trim();
console.log(`loadavg before: ${loadBefore}; after: ${loadAfter}; ${seconds} s per run`);
console.log('| clients × in flight | scheme | ops/s | p50 / p99 ms | node CPU µs/op | client CPU µs/op | errors |');
console.log('|---|---|---|---|---|---|---|');
for (const row of rows) console.log(row);
await new Promise((r) => setTimeout(r, 2000));
rmSync(dir, { recursive: true, force: true });
