import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { openEngine } from '../src/index.js';

it('the README example runs and does what it says', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lsm-readme-'));
  try {
    const db = await openEngine(join(dir, 'data'), { durability: 'sync' });
    const enc = new TextEncoder();
    await db.put(enc.encode('user:1'), enc.encode('ada'));
    await db.batch([
      { type: 'put', key: enc.encode('user:2'), value: enc.encode('grace') },
      { type: 'del', key: enc.encode('user:1') },
    ]);
    expect(new TextDecoder().decode(await db.get(enc.encode('user:2')))).toBe('grace');
    const seen = [...db.iterate({ gte: enc.encode('user:'), lt: enc.encode('user;') })].map(([k]) => new TextDecoder().decode(k));
    expect(seen).toEqual(['user:2']);
    await db.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
