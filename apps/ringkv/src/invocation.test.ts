import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cliInvocation } from './invocation.js';

const dir = mkdtempSync(join(tmpdir(), 'ringkv-invocation-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('cliInvocation', () => {
  it('says ringkv when an executable of that name is on the PATH', () => {
    const bin = join(dir, 'bin');
    rmSync(bin, { recursive: true, force: true });
    mkdirSync(bin);
    writeFileSync(join(bin, 'ringkv'), '#!/bin/sh\n');
    chmodSync(join(bin, 'ringkv'), 0o755);
    expect(cliInvocation({ PATH: `/nonexistent:${bin}` }, '/work/repo', '/work/repo/apps/ringkv/dist/cli.js')).toBe('ringkv');
  });

  it('says node and the path of cli.js, relative to the working directory below it, when ringkv is not on the PATH', () => {
    expect(cliInvocation({ PATH: '/nonexistent' }, '/work/repo', '/work/repo/apps/ringkv/dist/cli.js')).toBe('node apps/ringkv/dist/cli.js');
    expect(cliInvocation({}, '/elsewhere', '/work/repo/apps/ringkv/dist/cli.js')).toBe('node /work/repo/apps/ringkv/dist/cli.js');
  });

  it('a file named ringkv that is not executable does not count', () => {
    const plain = join(dir, 'plain');
    mkdirSync(plain, { recursive: true });
    writeFileSync(join(plain, 'ringkv'), 'not a program');
    chmodSync(join(plain, 'ringkv'), 0o644);
    expect(cliInvocation({ PATH: plain }, '/r', '/r/cli.js')).toBe('node cli.js');
  });
});
