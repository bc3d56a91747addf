/**
 * UTF-8 for actor ids, hand-rolled because actors are short: for strings of a
 * few bytes, TextEncoder/TextDecoder cost more in call overhead and allocation
 * than the work itself (measured in bench/vclock.bench.ts: a 3-entry clock
 * encoded about 10 times faster this way).
 *
 * Invariants:
 *   1. The input of `utf8Length`/`writeUtf8` is well-formed UTF-16 (no lone
 *      surrogates); `checkActor` guarantees it for every actor in a clock.
 *   2. `readUtf8` accepts exactly well-formed UTF-8 (TextDecoder with `fatal`
 *      handles every non-ASCII input) and never strips a byte-order mark.
 */
import { VclockError } from './errors.js';

const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Bytes `text` takes in UTF-8. */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (unit >= 0xd800 && unit < 0xdc00) {
      bytes += 4; // a high surrogate: the pair is one 4-byte code point
      i++;
    } else bytes += 3;
  }
  return bytes;
}

/** Writes `text` as UTF-8 at `offset` and returns the offset after it. The caller sized `out` with `utf8Length`. */
export function writeUtf8(out: Uint8Array, offset: number, text: string): number {
  let at = offset;
  for (let i = 0; i < text.length; i++) {
    let code = text.charCodeAt(i);
    if (code < 0x80) {
      out[at++] = code;
      continue;
    }
    if (code >= 0xd800 && code < 0xdc00) code = text.codePointAt(i++) as number;
    if (code < 0x800) {
      out[at++] = 0xc0 | (code >> 6);
    } else if (code < 0x10000) {
      out[at++] = 0xe0 | (code >> 12);
      out[at++] = 0x80 | ((code >> 6) & 0x3f);
    } else {
      out[at++] = 0xf0 | (code >> 18);
      out[at++] = 0x80 | ((code >> 12) & 0x3f);
      out[at++] = 0x80 | ((code >> 6) & 0x3f);
    }
    out[at++] = 0x80 | (code & 0x3f);
  }
  return at;
}

/** Decodes untrusted bytes; throws VclockError('malformed') unless they are well-formed UTF-8. */
export function readUtf8(bytes: Uint8Array): string {
  let ascii = true;
  for (let i = 0; i < bytes.length; i++) {
    if ((bytes[i] as number) >= 0x80) {
      ascii = false;
      break;
    }
  }
  if (ascii) return String.fromCharCode.apply(null, bytes as unknown as number[]);
  try {
    return decoder.decode(bytes);
  } catch (cause) {
    throw new VclockError('malformed', 'actor is not valid UTF-8', { cause });
  }
}
