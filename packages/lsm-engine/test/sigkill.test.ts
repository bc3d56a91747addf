/**
 * A real process writes with 'sync' durability and is killed with SIGKILL at
 * random (seeded) moments; after each kill the engine must open and hold every
 * key the child reported as acknowledged, from this round and all before.
 */
import { execSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng, seedNote, testSeed } from '@ringkv/sim';
import { openEngine } from '../src/index.js';
// @ts-expect-error: a plain .mjs fixture without types
import { valueFor } from './fixtures/value-for.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const packageDir = join(here, '..');
const fixture = join(here, 'fixtures', 'sigkill-writer.mjs');
const ROUNDS = 20;

/** Runs the child until it has acknowledged `acks` keys, then SIGKILLs it; returns the acknowledged keys. */
function runAndKill(dir: string, round: number, acks: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [fixture, dir, String(round)], { stdio: ['ignore', 'pipe', 'pipe'] });
    const acked: string[] = [];
    let buffer = '';
    let stderr = '';
    let killed = false;
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.stdout.on('data', (d: Buffer) => {
      buffer += d.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop() as string;
      for (const line of lines) if (line.startsWith('ack ')) acked.push(line.slice(4));
      if (!killed && acked.length >= acks) {
        killed = true;
        child.kill('SIGKILL');
      }
    });
    child.on('exit', (_code, signal) => {
      if (signal === 'SIGKILL') resolve(acked);
      else reject(new Error(`child exited without being killed: ${stderr}`));
    });
  });
}

describe('SIGKILL of a writing process', () => {
  let root: string;
  beforeAll(() => {
    execSync('npx tsc -b', { cwd: packageDir, stdio: 'pipe' });
    root = mkdtempSync(join(tmpdir(), 'lsm-sigkill-'));
  }, 120_000);
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('every acknowledged key survives each of 20 kills and the engine always opens', async () => {
    const seed = testSeed(4242);
    const rng = new Rng(seed);
    const dir = join(root, 'db');
    const all: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const acked = await runAndKill(dir, round, rng.between(1, 300));
      all.push(...acked);
      const db = await openEngine(dir);
      try {
        for (const key of all) {
          const got = db.getSync(new TextEncoder().encode(key));
          expect(got !== undefined && Buffer.from(got).equals(Buffer.from(valueFor(key) as Uint8Array)), `${key} after kill ${round} ${seedNote(seed)}`).toBe(true);
        }
      } finally {
        await db.close();
      }
    }
    expect(all.length).toBeGreaterThan(ROUNDS);
  });
});
