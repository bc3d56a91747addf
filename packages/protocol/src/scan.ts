/**
 * A structural pre-scan of MessagePack bytes: walks every header without
 * materialising anything, so a hostile frame is refused before msgpackr
 * allocates for it.
 *
 * msgpack has no length or depth limits of its own: an array32 header may
 * declare four billion elements in five bytes, and ten thousand nested
 * one-byte arrays overflow a recursive decoder's stack. The scan checks, for
 * each header, that the declared length fits in the bytes that remain, that
 * containers stay within the depth, length and count bounds, and that only
 * permitted extension types appear.
 *
 * Concurrency: a `StructureScanner` reuses its stack arrays between calls; it
 * is synchronous, so one instance per codec is safe in JavaScript's single
 * thread (not across workers sharing an instance, which cannot happen).
 *
 * Invariants:
 *   1. Time is O(frame bytes) and memory O(depthMax), whatever the frame declares.
 *   2. If `scan` returns `undefined`, the bytes hold exactly one complete value;
 *      every array declares ≤ remaining bytes elements and every map ≤ half of
 *      them, so msgpackr's allocations are bounded by the frame's size.
 *   3. Never throws on any input.
 */

/** What the scan enforces; a codec builds one for frames and one for values. */
export interface ScanLimits {
  /** Deepest nesting of arrays and maps (the outermost container is depth 1). */
  readonly depthMax: number;
  /** Most elements in one array, or entries in one map. */
  readonly containerLengthMax: number;
  /** Most arrays and maps in the whole value. */
  readonly containersMax: number;
  /** Map keys must be strings (the envelope's rule; user values may use any key). */
  readonly stringKeysOnly: boolean;
  /** Allow the MessagePack timestamp extension (type -1); every other extension type is refused. */
  readonly allowTimestamp: boolean;
}

/** Why a scan refused the bytes. `offset` is where the offending header starts. */
export interface ScanIssue {
  readonly kind: 'malformed' | 'limit' | 'invalid';
  readonly offset: number;
  readonly detail: string;
}

/** Sizes of fixed-width formats 0xc0..0xdf (header byte included); 0 = variable, handled apart. */
const fixedSize = new Int8Array(32);
fixedSize[0xc0 - 0xc0] = 1; // nil
fixedSize[0xc2 - 0xc0] = 1; // false
fixedSize[0xc3 - 0xc0] = 1; // true
fixedSize[0xca - 0xc0] = 5; // float32
fixedSize[0xcb - 0xc0] = 9; // float64
fixedSize[0xcc - 0xc0] = 2; // uint8
fixedSize[0xcd - 0xc0] = 3; // uint16
fixedSize[0xce - 0xc0] = 5; // uint32
fixedSize[0xcf - 0xc0] = 9; // uint64
fixedSize[0xd0 - 0xc0] = 2; // int8
fixedSize[0xd1 - 0xc0] = 3; // int16
fixedSize[0xd2 - 0xc0] = 5; // int32
fixedSize[0xd3 - 0xc0] = 9; // int64

/** The timestamp extension type, -1 as a byte. */
const timestampType = 0xff;

/**
 * Walks MessagePack bytes iteratively with an explicit stack of remaining
 * element counts, one slot per open container.
 */
export class StructureScanner {
  private readonly remaining: Float64Array;
  private readonly isMap: Uint8Array;

  constructor(readonly limits: ScanLimits) {
    this.remaining = new Float64Array(limits.depthMax + 1);
    this.isMap = new Uint8Array(limits.depthMax + 1);
  }

  /**
   * `undefined` when `bytes[start, end)` holds exactly one value within the
   * limits; otherwise the first issue found. Never throws.
   */
  scan(bytes: Uint8Array, start = 0, end = bytes.length): ScanIssue | undefined {
    const walk = new Walk(bytes, start, end, this.limits, this.remaining, this.isMap);
    return walk.run();
  }
}

/** One scan's state; short-lived so the hot loop works on locals and fields of one object. */
class Walk {
  private pos: number;
  private depth = 0;
  private containers = 0;

  constructor(
    private readonly bytes: Uint8Array,
    start: number,
    private readonly end: number,
    private readonly limits: ScanLimits,
    private readonly remaining: Float64Array,
    private readonly isMap: Uint8Array,
  ) {
    this.pos = start;
  }

  run(): ScanIssue | undefined {
    if (this.pos >= this.end) return issue('malformed', this.pos, 'empty frame');
    // Depth 0 is a pseudo-container holding the single top-level value.
    this.remaining[0] = 1;
    this.isMap[0] = 0;
    for (;;) {
      while (this.depth > 0 && this.remaining[this.depth] === 0) this.depth--;
      if (this.remaining[this.depth] === 0) break;
      const left = --this.remaining[this.depth]!;
      const isKey = this.isMap[this.depth] === 1 && left % 2 === 1;
      const problem = this.item(isKey);
      if (problem !== undefined) return problem;
    }
    if (this.pos !== this.end) {
      return issue('malformed', this.pos, `${this.end - this.pos} trailing bytes after the value`);
    }
    return undefined;
  }

  /** Checks the header at `pos` and moves past it (and past its payload, for scalars). */
  private item(isKey: boolean): ScanIssue | undefined {
    const at = this.pos;
    if (at >= this.end) return issue('malformed', at, 'truncated: a value is missing');
    const b = this.bytes[at]!;
    const isString = (b >= 0xa0 && b <= 0xbf) || (b >= 0xd9 && b <= 0xdb);
    if (isKey && this.limits.stringKeysOnly && !isString) {
      return issue('invalid', at, `map key of type 0x${hex(b)} is not a string`);
    }
    if (b <= 0x7f || b >= 0xe0) return this.skip(at, 1);
    if (b <= 0x8f) return this.open(at, 1, b & 0x0f, true);
    if (b <= 0x9f) return this.open(at, 1, b & 0x0f, false);
    if (b <= 0xbf) return this.skip(at, 1 + (b & 0x1f));
    const size = fixedSize[b - 0xc0]!;
    if (size > 0) return this.skip(at, size);
    return this.variable(at, b);
  }

  /** Headers whose payload length is in the header: bin, str, ext, array16/32, map16/32. */
  private variable(at: number, b: number): ScanIssue | undefined {
    switch (b) {
      case 0xc4:
      case 0xd9:
        return this.lengthPrefixed(at, 1);
      case 0xc5:
      case 0xda:
        return this.lengthPrefixed(at, 2);
      case 0xc6:
      case 0xdb:
        return this.lengthPrefixed(at, 4);
      case 0xc7:
        return this.ext(at, 1, undefined);
      case 0xc8:
        return this.ext(at, 2, undefined);
      case 0xc9:
        return this.ext(at, 4, undefined);
      case 0xd4:
        return this.ext(at, 0, 1);
      case 0xd5:
        return this.ext(at, 0, 2);
      case 0xd6:
        return this.ext(at, 0, 4);
      case 0xd7:
        return this.ext(at, 0, 8);
      case 0xd8:
        return this.ext(at, 0, 16);
      case 0xdc:
        return this.counted(at, 2, false);
      case 0xdd:
        return this.counted(at, 4, false);
      case 0xde:
        return this.counted(at, 2, true);
      case 0xdf:
        return this.counted(at, 4, true);
      default:
        return issue('malformed', at, `reserved byte 0x${hex(b)}`);
    }
  }

  private skip(at: number, size: number): ScanIssue | undefined {
    if (size > this.end - at) return issue('malformed', at, `truncated: ${size} bytes declared, ${this.end - at} left`);
    this.pos = at + size;
    return undefined;
  }

  private readLength(at: number, width: number): number | undefined {
    if (at + 1 + width > this.end) return undefined;
    const bytes = this.bytes;
    let n = 0;
    for (let i = 1; i <= width; i++) n = n * 256 + bytes[at + i]!;
    return n;
  }

  private lengthPrefixed(at: number, width: number): ScanIssue | undefined {
    const n = this.readLength(at, width);
    if (n === undefined) return issue('malformed', at, 'truncated length header');
    return this.skip(at, 1 + width + n);
  }

  /** ext 8/16/32 (`width` > 0, length in header) or fixext (`fixed` data bytes). */
  private ext(at: number, width: number, fixed: number | undefined): ScanIssue | undefined {
    const n = fixed ?? this.readLength(at, width);
    if (n === undefined) return issue('malformed', at, 'truncated extension header');
    const typeAt = at + 1 + width;
    if (typeAt >= this.end) return issue('malformed', at, 'truncated extension header');
    const type = this.bytes[typeAt]!;
    const timestampLength = n === 4 || n === 8 || n === 12;
    if (!(this.limits.allowTimestamp && type === timestampType && timestampLength)) {
      const signed = type > 127 ? type - 256 : type;
      return issue('invalid', at, `extension type ${signed} (${n} bytes) is not allowed`);
    }
    return this.skip(at, 2 + width + n);
  }

  private counted(at: number, width: number, isMap: boolean): ScanIssue | undefined {
    const n = this.readLength(at, width);
    if (n === undefined) return issue('malformed', at, 'truncated length header');
    return this.open(at, 1 + width, n, isMap);
  }

  /** Opens a container of `n` elements (or entries) whose header is `headerSize` bytes. */
  private open(at: number, headerSize: number, n: number, isMap: boolean): ScanIssue | undefined {
    const what = isMap ? 'map' : 'array';
    if (at + headerSize > this.end) return issue('malformed', at, 'truncated length header');
    // A header that claims more elements than bytes remain is lying: malformed, whatever the limits.
    const slots = isMap ? 2 * n : n;
    const left = this.end - at - headerSize;
    if (slots > left) return issue('malformed', at, `${what} declares ${n} elements but only ${left} bytes remain`);
    if (n > this.limits.containerLengthMax) {
      return issue('limit', at, `${what} of ${n} elements exceeds ${this.limits.containerLengthMax}`);
    }
    if (++this.containers > this.limits.containersMax) {
      return issue('limit', at, `more than ${this.limits.containersMax} arrays and maps`);
    }
    if (this.depth + 1 > this.limits.depthMax) {
      return issue('limit', at, `nesting deeper than ${this.limits.depthMax}`);
    }
    this.pos = at + headerSize;
    if (slots > 0) {
      this.depth++;
      this.remaining[this.depth] = slots;
      this.isMap[this.depth] = isMap ? 1 : 0;
    }
    return undefined;
  }
}

function issue(kind: ScanIssue['kind'], offset: number, detail: string): ScanIssue {
  return { kind, offset, detail };
}

function hex(b: number): string {
  return b.toString(16).padStart(2, '0');
}
