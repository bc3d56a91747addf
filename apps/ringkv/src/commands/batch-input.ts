/**
 * The text a batch command reads its keys or entries from: a file or
 * standard input, at most `bytesMax` bytes, as UTF-8.
 */
import { open } from 'node:fs/promises';
import { CliError } from '../errors.js';
import type { Io } from '../io.js';
import { readSourceBytes, sourceName, type InputSource } from './input-source.js';

/** All of the file or standard input as text; `CliError('failed')` when it cannot be read, is larger than `bytesMax` or is not UTF-8. */
export async function readInput(command: string, source: InputSource, io: Io, bytesMax: number): Promise<string> {
  const where = sourceName(source);
  let bytes: Uint8Array;
  try {
    bytes = await readSourceBytes(source, io, bytesMax, (path) => readBounded(path, bytesMax));
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
