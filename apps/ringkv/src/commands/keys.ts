/**
 * `ringkv keys`: every key of the cluster through the SDK's `scan`, printed
 * as the pages arrive (one page held at a time, whatever the key count).
 *
 * Invariant: with `--limit`, at most that many keys are printed; when the
 * listing stopped early, the exact command to resume it goes to stderr
 * (the cursor after the last key printed), so stdout holds keys only.
 */
import type { Key } from '@ringkv/client-sdk';
import type { KeysCommand } from '../args.js';
import type { Io } from '../io.js';
import { scanLimitMax } from '@ringkv/protocol';
import { connectCli, nodeUrl } from './kv.js';

/** A listed key as a line: text as is, bytes as 0x-hex; with `json`, a JSON value. */
export function keyLine(key: Key, json: boolean): string {
  if (typeof key === 'string') return json ? JSON.stringify(key) : key;
  const hex = Buffer.from(key).toString('hex');
  return json ? JSON.stringify({ hex }) : `0x${hex}`;
}

/** Lists the keys (module comment). */
export async function runKeys(command: KeysCommand, io: Io): Promise<void> {
  const client = await connectCli(nodeUrl(command.url, io.env), command.authToken ?? (io.env.RINGKV_AUTH_TOKEN || undefined), command.timeoutMs);
  try {
    let cursor = command.cursor;
    let printed = 0;
    for (;;) {
      const left = command.limit === undefined ? scanLimitMax : Math.min(scanLimitMax, command.limit - printed);
      const page = await client.scan({
        limit: left, timeoutMs: command.timeoutMs,
        ...(command.prefix === undefined ? {} : { prefix: command.prefix }), ...(cursor === undefined ? {} : { cursor }), ...(command.r === undefined ? {} : { r: command.r }),
      });
      for (const key of page.keys) io.stdout(keyLine(key, command.json));
      printed += page.keys.length;
      cursor = page.cursor;
      if (cursor === undefined) return;
      if (command.limit !== undefined && printed >= command.limit) {
        io.stderr(`ringkv: stopped after ${printed} keys; resume with: ringkv keys --cursor ${cursor}${command.prefix === undefined ? '' : ` --prefix ${JSON.stringify(command.prefix)}`}`);
        return;
      }
    }
  } finally {
    await client.close();
  }
}
