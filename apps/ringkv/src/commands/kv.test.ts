import { describe, expect, it } from 'vitest';
import { parseCommand, type PutCommand } from '../args.js';
import type { Io } from '../io.js';
import { putValue } from './kv.js';

function io(stdin: Uint8Array): Io {
  return { stdout: () => {}, stderr: () => {}, env: {}, readStdin: async () => stdin };
}

describe('putValue', () => {
  const put = (...argv: string[]): PutCommand => parseCommand(['put', 'k', ...argv]) as PutCommand;

  it('keeps bytes that are not UTF-8 as bytes, and stores UTF-8 input as the string it is', async () => {
    const latin1 = Uint8Array.from([0x63, 0x61, 0x66, 0xe9]);
    expect(await putValue(put('-'), io(latin1))).toEqual(latin1);
    expect(await putValue(put('-'), io(new TextEncoder().encode('café\n')))).toBe('café\n');
    expect(await putValue(put('--file', '/v'), io(new Uint8Array(0)), async () => Uint8Array.from([0xff, 0x00]))).toEqual(Uint8Array.from([0xff, 0x00]));
  });

  it('parses --json-value input as JSON and refuses bytes that are not UTF-8', async () => {
    expect(await putValue(put('-', '--json-value'), io(new TextEncoder().encode('{"a":[1]}')))).toEqual({ a: [1] });
    await expect(putValue(put('-', '--json-value'), io(Uint8Array.from([0xe9])))).rejects.toMatchObject({ code: 'usage' });
  });

  it('says where a value could not be read from', async () => {
    const error: unknown = await putValue(put('--file', '/nope'), io(new Uint8Array(0)), async () => {
      throw new Error('ENOENT: no such file');
    }).catch((e: unknown) => e);
    expect((error as Error).message).toBe('ringkv: put: cannot read the value from /nope: ENOENT: no such file');
  });
});
