/**
 * The text a batch command reads its keys or entries from: a file or
 * standard input, at most `bytesMax` bytes, as UTF-8.
 */
import { open } from 'node:fs/promises';
import { CliError } from '../errors.js';
import type { Io } from '../io.js';

/** All of the file or standard input as text; `CliError('failed')` when it cannot be read, is larger than `bytesMax` or is not UTF-8. */
export async function readInput(command: string, source: { readonly from: 'stdin' } | { readonly from: 'file'; readonly path: string }, io: Io, bytesMax: number): Promise<string> {
  const where = source.from === 'stdin' ? 'standard input' : source.path;
  let bytes: Uint8Array;
  try {
    if (source.from === 'stdin') {
      if (io.readStdin === undefined) throw new Error('no standard input here');
      bytes = await io.readStdin(bytesMax);
    } else {
      bytes = await readBounded(source.path, bytesMax);
    }
  } catch (error) {
    throw new CliError('failed', `${command}: cannot read ${where}: ${(error as Error).message}`, { cause: error });
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new CliError('failed', `${command}: ${where} is not UTF-8 text`);
  }
}

/** The file's bytes, refusing one larger than `bytesMax` before reading it. */
async function readBounded(path: string, bytesMax: number): Promise<Uint8Array> {
  const file = await open(path, 'r');
  try {
    const { size } = await file.stat();
    if (size > bytesMax) throw new RangeError(`it holds ${size} bytes, more than ${bytesMax}`);
    const buffer = Buffer.alloc(size);
    const { bytesRead } = await file.read(buffer, 0, size, 0);
    return new Uint8Array(buffer.buffer, buffer.byteOffset, bytesRead);
  } finally {
    await file.close();
  }
}
