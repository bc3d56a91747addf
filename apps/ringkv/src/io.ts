/** What commands may touch of the process: output lines, the environment, value input (injected in tests). */
export interface Io {
  stdout(line: string): void;
  stderr(line: string): void;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** All of standard input as bytes (`put KEY -`); at most `bytesMax`, else rejects with `RangeError`. */
  readStdin?(bytesMax: number): Promise<Uint8Array>;
  /** Bytes to standard output as they are, no newline (`get --raw`). */
  stdoutBytes?(bytes: Uint8Array): void;
  /** Standard error is a terminal: logs default to readable lines (`--log-format`). */
  readonly stderrIsTTY?: boolean;
}

/** The real process. */
export const processIo: Io = {
  stdout: (line) => process.stdout.write(`${line}\n`),
  stderr: (line) => process.stderr.write(`${line}\n`),
  env: process.env,
  readStdin: async (bytesMax) => {
    const chunks: Buffer[] = [];
    let total = 0;
    for await (const chunk of process.stdin as AsyncIterable<Buffer>) {
      total += chunk.byteLength;
      if (total > bytesMax) throw new RangeError(`standard input holds more than ${bytesMax} bytes`);
      chunks.push(chunk);
    }
    return new Uint8Array(Buffer.concat(chunks));
  },
  stdoutBytes: (bytes) => process.stdout.write(bytes),
  stderrIsTTY: process.stderr.isTTY === true,
};
