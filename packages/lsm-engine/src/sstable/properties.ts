/**
 * The properties block: the table's own `TableMeta` (minus its size, which is
 * the file size) plus counters, so a table can be checked against the
 * manifest and inspected without it.
 *
 * Layout (all varints): fileNumber, entries, tombstones, smallestSeq,
 * largestSeq, dataBlocks, rawKeyBytes, rawValueBytes, then smallestKey and
 * largestKey, each as a varint length followed by its bytes.
 */
import { ByteWriter } from '../util/byte-writer.js';
import { getVarint } from '../util/varint.js';

/** The decoded properties block. */
export interface TableProperties {
  fileNumber: number;
  entries: number;
  tombstones: number;
  smallestSeq: number;
  largestSeq: number;
  dataBlocks: number;
  rawKeyBytes: number;
  rawValueBytes: number;
  smallestKey: Uint8Array;
  largestKey: Uint8Array;
}

export function encodeProperties(p: TableProperties): Uint8Array {
  const w = new ByteWriter(64 + p.smallestKey.length + p.largestKey.length);
  for (const v of [p.fileNumber, p.entries, p.tombstones, p.smallestSeq, p.largestSeq, p.dataBlocks, p.rawKeyBytes, p.rawValueBytes]) {
    w.putVarint(v);
  }
  for (const k of [p.smallestKey, p.largestKey]) {
    w.putVarint(k.length);
    w.putBytes(k);
  }
  return w.copy();
}

/** Decodes the block, or returns a reason it is malformed. */
export function decodeProperties(data: Uint8Array): TableProperties | string {
  const cur = { pos: 0 };
  const nums: number[] = [];
  for (let i = 0; i < 8; i++) {
    const v = getVarint(data, cur, data.length);
    if (v < 0) return 'malformed properties block';
    nums.push(v);
  }
  const keys: Uint8Array[] = [];
  for (let i = 0; i < 2; i++) {
    const n = getVarint(data, cur, data.length);
    if (n < 0 || cur.pos + n > data.length) return 'malformed key in properties block';
    keys.push(data.slice(cur.pos, cur.pos + n));
    cur.pos += n;
  }
  const [fileNumber, entries, tombstones, smallestSeq, largestSeq, dataBlocks, rawKeyBytes, rawValueBytes] = nums as [
    number, number, number, number, number, number, number, number,
  ];
  return {
    fileNumber, entries, tombstones, smallestSeq, largestSeq, dataBlocks, rawKeyBytes, rawValueBytes,
    smallestKey: keys[0] as Uint8Array,
    largestKey: keys[1] as Uint8Array,
  };
}
