/**
 * Seeded fuzzing of decoders: mutated valid inputs and random bytes, fed to a
 * decode function that must either succeed or throw the package's typed
 * error. Anything else (a `RangeError` from reading past a buffer, a
 * `TypeError` from a missing field, an allocation failure) is a finding.
 *
 * Invariants:
 *   1. The inputs are a pure function of (seed, corpus): the same seed replays
 *      the same inputs in the same order, so a finding names the seed and the
 *      input's index and `SEED=` reproduces it.
 *   2. A mutated input is a fresh copy; the corpus is never modified.
 *   3. `runFuzz` stops at the first finding and throws an `Error` naming the
 *      fuzz target, seed, index, how the input was made and its first bytes.
 *   4. Memory is sampled every `memorySampleEvery` inputs: growth of the
 *      process's resident set beyond `rssGrowthBytesMax` is a finding too
 *      (a decoder that keeps or allocates what an input claims).
 *
 * A hang is caught by the caller's test timeout: decoders are synchronous,
 * so one input that never returns blocks the test past it.
 */
import { Rng } from './random.js';
import { seedNote } from './seed.js';

/** Inputs per fuzz target when `FUZZ_INPUTS` is unset: the count CI runs. */
export const fuzzInputsDefault = 100_000;

/** The resident-set growth over a run that counts as unbounded memory. */
export const rssGrowthBytesMax = 512 * 1024 * 1024;

/** Inputs between two memory samples. */
const memorySampleEvery = 4096;

/** Random-bytes inputs are at most this long. */
const randomInputBytesMax = 4096;

/** Values a length or count field is most likely to mishandle. */
const interestingU32 = [0, 1, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xffffffff];

/** The inputs per target: `FUZZ_INPUTS` if set (the longer script sets 10⁶), else `fuzzInputsDefault`. */
export function fuzzInputs(): number {
  const raw = process.env['FUZZ_INPUTS'];
  if (raw === undefined || raw === '') return fuzzInputsDefault;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`sim: FUZZ_INPUTS must be a positive integer, got ${JSON.stringify(raw)}`);
  return n;
}

/** A mutated copy of `base` (one to four edits) and a description of the edits. */
export function mutate(rng: Rng, base: Uint8Array): { bytes: Uint8Array; how: string } {
  let bytes: Uint8Array = new Uint8Array(base); // a copy even when `base` is a Buffer, whose slice() is a view
  const edits: string[] = [];
  const count = 1 + rng.int(4);
  for (let e = 0; e < count; e++) {
    const at = bytes.length === 0 ? 0 : rng.int(bytes.length);
    switch (rng.int(9)) {
      case 0:
        if (bytes.length > 0) bytes[at] = (bytes[at] as number) ^ (1 << rng.int(8));
        edits.push(`flip bit @${at}`);
        break;
      case 1:
        if (bytes.length > 0) bytes[at] = rng.int(256);
        edits.push(`set byte @${at}`);
        break;
      case 2:
        if (bytes.length > 0) bytes[at] = rng.pick([0, 0x7f, 0x80, 0xff]);
        edits.push(`edge byte @${at}`);
        break;
      case 3: {
        const v = rng.pick(interestingU32);
        const little = rng.chance(0.5);
        for (let k = 0; k < 4 && at + k < bytes.length; k++) bytes[at + k] = little ? (v >>> (8 * k)) & 0xff : (v >>> (24 - 8 * k)) & 0xff;
        edits.push(`u32 ${v.toString(16)} @${at}`);
        break;
      }
      case 4: {
        const insert = rng.bytes(1 + rng.int(16));
        bytes = concat(bytes.subarray(0, at), insert, bytes.subarray(at));
        edits.push(`insert ${insert.length} @${at}`);
        break;
      }
      case 5: {
        const n = Math.min(bytes.length - at, 1 + rng.int(32));
        bytes = concat(bytes.subarray(0, at), bytes.subarray(at + n));
        edits.push(`delete ${n} @${at}`);
        break;
      }
      case 6: {
        const n = Math.min(bytes.length - at, 1 + rng.int(64));
        bytes = concat(bytes.subarray(0, at + n), bytes.subarray(at, at + n), bytes.subarray(at + n));
        edits.push(`duplicate ${n} @${at}`);
        break;
      }
      case 7:
        bytes = bytes.slice(0, at);
        edits.push(`truncate to ${at}`);
        break;
      default: {
        const tail = rng.bytes(1 + rng.int(64));
        bytes = concat(bytes, tail);
        edits.push(`append ${tail.length}`);
      }
    }
  }
  return { bytes, how: edits.join(', ') };
}

/** One fuzz target. */
export interface FuzzTarget {
  /** Named in findings. */
  name: string;
  seed: number;
  /** Valid inputs to mutate; at least one. */
  corpus: readonly Uint8Array[];
  /** Decodes one input; returns normally or throws. */
  decode: (input: Uint8Array) => void;
  /** True for the typed errors the decoder may throw on bad input. */
  expected: (error: unknown) => boolean;
  /**
   * Re-seals a mutated input (recomputes its checksums) so the edits reach the
   * structure under the checksum; applied to about half the mutated inputs.
   */
  reseal?: (bytes: Uint8Array) => Uint8Array;
  /** Inputs to run; default `fuzzInputs()`. */
  inputs?: number;
}

/** What a run saw: how many inputs decoded and how many were refused with the typed error. */
export interface FuzzReport {
  inputs: number;
  accepted: number;
  refused: number;
  rssGrowthBytes: number;
}

/**
 * Runs `target.inputs` inputs (10 % random bytes, the rest mutated corpus
 * entries) through `decode`. Returns the counts; throws at the first input
 * whose error is not `expected` or when memory grows past the bound
 * (invariants 3 and 4). Checks first that every corpus entry decodes.
 */
export function runFuzz(target: FuzzTarget): FuzzReport {
  if (target.corpus.length === 0) throw new Error(`sim: fuzz target ${target.name} has an empty corpus`);
  for (const [i, valid] of target.corpus.entries()) {
    try {
      target.decode(valid.slice());
    } catch (error) {
      throw new Error(`fuzz ${target.name}: corpus entry ${i} does not decode: ${describe(error)}`, { cause: error });
    }
  }
  const rng = new Rng(target.seed);
  const inputs = target.inputs ?? fuzzInputs();
  const rssStart = process.memoryUsage.rss();
  let rssGrowthBytes = 0;
  let accepted = 0;
  let refused = 0;
  for (let i = 0; i < inputs; i++) {
    let input: Uint8Array;
    let how: string;
    if (rng.chance(0.1)) {
      input = rng.bytes(rng.int(randomInputBytesMax + 1));
      how = `random ${input.length} bytes`;
    } else {
      const base = rng.int(target.corpus.length);
      const m = mutate(rng, target.corpus[base] as Uint8Array);
      input = m.bytes;
      how = `corpus ${base}: ${m.how}`;
      if (target.reseal && rng.chance(0.5)) {
        input = target.reseal(input);
        how += ', resealed';
      }
    }
    try {
      target.decode(input);
      accepted++;
    } catch (error) {
      if (!target.expected(error)) {
        throw new Error(
          `fuzz ${target.name}: input ${i} (${how}) threw ${describe(error)}; first bytes ${hex(input)} ${seedNote(target.seed)}`,
          { cause: error },
        );
      }
      refused++;
    }
    if (i % memorySampleEvery === 0) {
      rssGrowthBytes = Math.max(rssGrowthBytes, process.memoryUsage.rss() - rssStart);
      if (rssGrowthBytes > rssGrowthBytesMax) {
        throw new Error(`fuzz ${target.name}: resident memory grew ${rssGrowthBytes} bytes by input ${i} (${how}) ${seedNote(target.seed)}`);
      }
    }
  }
  return { inputs, accepted, refused, rssGrowthBytes };
}

function concat(...parts: Uint8Array[]): Uint8Array {
  return Buffer.concat(parts);
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.subarray(0, 48)).toString('hex') + (bytes.length > 48 ? `… (${bytes.length} bytes)` : '');
}
