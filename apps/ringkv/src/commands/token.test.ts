import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseCommand } from '../args.js';
import type { Io } from '../io.js';
import { main } from '../main.js';
import type { TokenCommand } from './token.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tokensPath(): string {
  const d = mkdtempSync(join(tmpdir(), 'ringkv-tokens-'));
  dirs.push(d);
  return join(d, 'tokens.json');
}

function capture(env: Record<string, string> = {}): Io & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, stdout: (l) => out.push(l), stderr: (l) => err.push(l), env };
}

describe('ringkv token', () => {
  it('adds a token, prints its secret once, keeps only a hash, lists and revokes it', async () => {
    const file = tokensPath();
    const io = capture();
    expect(await main(['token', 'add', '--role', 'write', '--prefix', 'app/', '--rps', '100', '--name', 'web', '--file', file], io)).toBe(0);
    const token = io.out[0] as string;
    expect(token).toMatch(/^rkv_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain(token.slice('rkv_'.length + 17)); // the secret: after rkv_<16 hex>_ (base64url may itself hold '_')
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const id = token.split('_')[1] as string;

    const list = capture();
    expect(await main(['token', 'list', '--file', file, '--json'], list)).toBe(0);
    expect(JSON.parse(list.out[0] as string)).toEqual([expect.objectContaining({ id, role: 'write', prefix: 'app/', requestsPerSec: 100, name: 'web' })]);
    expect(list.out[0]).not.toContain('sha256');

    const revoke = capture({ RINGKV_TOKENS_FILE: file });
    expect(await main(['token', 'revoke', id], revoke)).toBe(0);
    const after = capture();
    await main(['token', 'list', '--file', file], after);
    expect(after.out).toEqual(['no tokens']);
  });

  it('says what is wrong with a command line, with exit code 2', async () => {
    const file = tokensPath();
    const cases: [string[], RegExp][] = [
      [['token'], /expected add, revoke or list/],
      [['token', 'add', '--file', file], /--role must be read, write or admin/],
      [['token', 'add', '--role', 'root', '--file', file], /got "root"/],
      [['token', 'add', '--role', 'read', '--rps', '0', '--file', file], /--rps must be a positive number/],
      [['token', 'list', '--role', 'read', '--file', file], /--role is for token add/],
      [['token', 'revoke', '--file', file], /exactly one token ID/],
      [['token', 'add', '--role', 'read'], /--file FILE is required/],
      [['token', 'list', '--bogus'], /Unknown option '--bogus'/],
    ];
    for (const [argv, message] of cases) {
      const io = capture();
      expect(await main(argv, io), argv.join(' ')).toBe(2);
      expect(io.err.join('\n')).toMatch(message);
    }
  });

  it('refuses to revoke an id the file does not hold, and to read a malformed file', async () => {
    const file = tokensPath();
    await main(['token', 'add', '--role', 'read', '--file', file], capture());
    const io = capture();
    expect(await main(['token', 'revoke', '0123456789abcdef', '--file', file], io)).toBe(1);
    expect(io.err[0]).toMatch(/no token 0123456789abcdef/);
    const parsed = parseCommand(['token', 'list', '--file', file]) as TokenCommand;
    expect(parsed).toMatchObject({ kind: 'token', action: 'list', file });
  });
});
