/**
 * Key listing on one node: the coordinator of the scans it receives
 * (key-scan.ts) and the replica side of the `scan-range` calls it serves
 * (serve.ts), sharing one token bucket.
 *
 * Invariants:
 *   1. Every engine read of a scan, for a peer's page or this node's own,
 *      passes the one bucket (serve.ts invariant 3): scans do not add up
 *      past `scanBytesPerSec` per node.
 *   2. Stopping makes new pages and calls fail `shutting-down`; a call in
 *      flight finishes its chunk.
 */
import { protocolError, type PeerMessage, type ScanOkMessage, type ScanRangeMessage, type ScanRequest } from '@ringkv/protocol';
import type { StorageEngine } from '../store/engine-port.js';
import { TokenBucket } from '../topology/token-bucket.js';
import { KeyScanner, type KeyScanPorts } from './key-scan.js';
import { scanRangeReply, serveScanRange, type ScanServeCounters } from './serve.js';

/** What the service is built from: the coordinator's ports but its local reads, the engine and the rate. */
export interface KeyScanServiceOptions extends Omit<KeyScanPorts, 'serveLocal'> {
  readonly engine: Pick<StorageEngine, 'iterate'>;
  /** Engine bytes per second all scans served here may read (limits.ts `scanBytesPerSecDefault`). */
  readonly bytesPerSec: number;
}

/** Key listing on one node (module comment). */
export class KeyScanService {
  readonly served: ScanServeCounters = { calls: 0, keysExamined: 0, bytesRead: 0, corruptSkipped: 0 };
  readonly scanner: KeyScanner;
  private readonly bucket: TokenBucket;
  private stopped = false;

  constructor(private readonly o: KeyScanServiceOptions) {
    this.bucket = new TokenBucket(o.clock, o.bytesPerSec);
    this.scanner = new KeyScanner({
      ...o,
      serveLocal: (body) => serveScanRange(o.engine, this.bucket, o.clock, this.served, body),
    });
  }

  /** One page of a client's scan; rejects with ProtocolError (key-scan.ts). */
  page(request: ScanRequest): Promise<Omit<ScanOkMessage, 'id'>> {
    if (this.stopped) return Promise.reject(protocolError('shutting-down', 'the node is shutting down; reconnect to another node'));
    return this.scanner.page(request);
  }

  /** A peer's `scan-range` call; rejects with ProtocolError. */
  async onCall(call: ScanRangeMessage): Promise<PeerMessage> {
    if (this.stopped) throw protocolError('shutting-down', 'the node is shutting down');
    return scanRangeReply(call.id, await serveScanRange(this.o.engine, this.bucket, this.o.clock, this.served, call));
  }

  /** Bytes the bucket let through (for tests and /status). */
  get bytesTaken(): number {
    return this.bucket.taken;
  }

  stop(): void {
    this.stopped = true;
  }
}
