import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cliCa, takeTlsCa } from './tls-client.js';

const dir = mkdtempSync(join(tmpdir(), 'ringkv-tls-client-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('--tls-ca of client and admin commands', () => {
  it('is taken out of the arguments (either form) and read; start and dev keep theirs', async () => {
    const ca = join(dir, 'ca.pem');
    writeFileSync(ca, 'PEM');
    expect(await takeTlsCa(['get', 'k', '--tls-ca', ca, '--url', 'wss://h:1'], {})).toEqual(['get', 'k', '--url', 'wss://h:1']);
    expect(cliCa()?.toString()).toBe('PEM');
    expect(await takeTlsCa(['status', `--tls-ca=${ca}`], {})).toEqual(['status']);
    expect(await takeTlsCa(['start', '--tls-ca', ca], {})).toEqual(['start', '--tls-ca', ca]);
    expect(await takeTlsCa(['get', 'k'], { RINGKV_TLS_CA: ca })).toEqual(['get', 'k']);
  });

  it('a missing value or an unreadable file is a usage error', async () => {
    await expect(takeTlsCa(['get', 'k', '--tls-ca'], {})).rejects.toMatchObject({ code: 'usage', message: expect.stringContaining('--tls-ca needs a file') });
    await expect(takeTlsCa(['get', 'k'], { RINGKV_TLS_CA: join(dir, 'missing.pem') })).rejects.toMatchObject({ code: 'usage', message: expect.stringContaining('ENOENT') });
  });
});
