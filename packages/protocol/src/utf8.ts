/**
 * UTF-8 length of a JavaScript string without encoding it.
 *
 * Invariant: equals `new TextEncoder().encode(s).length`, including for lone
 * surrogates, which the encoder (and msgpackr) write as U+FFFD (3 bytes).
 */
export function utf8ByteLength(s: string): number {
  let bytes = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && isLowSurrogate(s.charCodeAt(i + 1))) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

function isLowSurrogate(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}

/**
 * `s` cut to at most `bytesMax` UTF-8 bytes, never splitting a character
 * (a surrogate pair counts as one).
 */
export function truncateUtf8(s: string, bytesMax: number): string {
  if (s.length * 3 <= bytesMax || utf8ByteLength(s) <= bytesMax) return s;
  let bytes = 0;
  let i = 0;
  while (i < s.length) {
    const c = s.charCodeAt(i);
    const pair = c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && isLowSurrogate(s.charCodeAt(i + 1));
    const size = c < 0x80 ? 1 : c < 0x800 ? 2 : pair ? 4 : 3;
    if (bytes + size > bytesMax) break;
    bytes += size;
    i += pair ? 2 : 1;
  }
  return s.slice(0, i);
}

/**
 * True when `s` has no lone surrogate, so its UTF-8 encoding is exact (a lone
 * surrogate is written as U+FFFD, and two strings would then encode alike).
 */
export function isWellFormedUtf16(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xd800 || c > 0xdfff) continue;
    if (c > 0xdbff || i + 1 >= s.length || !isLowSurrogate(s.charCodeAt(i + 1))) return false;
    i++;
  }
  return true;
}
