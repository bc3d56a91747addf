/**
 * Where a command reads its input from (standard input or a file), for
 * `put KEY -` / `put --file` and the batch commands' `-` / `--file`.
 */
import type { Io } from '../io.js';

/** Standard input, or a file by path. */
export type InputSource = { readonly from: 'stdin' } | { readonly from: 'file'; readonly path: string };

/** How a message names the source: "standard input" or the file's path. */
export function sourceName(source: InputSource): string {
  return source.from === 'stdin' ? 'standard input' : source.path;
}

/**
 * The bytes of `source`: standard input up to `bytesMax` (more rejects with
 * `RangeError`), or the file as `readFile` reads it. Rejects with the
 * reader's own error; the caller names the command and the source.
 */
export async function readSourceBytes(source: InputSource, io: Io, bytesMax: number, readFile: (path: string) => Promise<Uint8Array>): Promise<Uint8Array> {
  if (source.from === 'file') return readFile(source.path);
  if (io.readStdin === undefined) throw new Error('no standard input here');
  return io.readStdin(bytesMax);
}
