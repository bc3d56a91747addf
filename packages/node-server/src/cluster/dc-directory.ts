/**
 * Which data center each member is in, as this node's gossip view says:
 * the relaying client asks it per replica call (dc-relay.ts), the peer
 * network per frame written (bytes sent to other DCs).
 *
 * Invariants:
 *   1. Rebuilt only when the view's member list changed (RingView replaces
 *      the array on every update), so a lookup is a map read.
 *   2. A peer is remote only when this node and the peer both have a DC
 *      label and they differ; an unknown peer is not remote.
 */
import type { RingView } from './ring-view.js';
import type { WanPeers } from './peer-network.js';

/** Member id and address → DC, from a ring view (module comment). */
export class DcDirectory implements WanPeers {
  private seen: unknown;
  private readonly byId = new Map<string, string>();
  private readonly byAddress = new Map<string, string>();

  constructor(
    private readonly view: Pick<RingView, 'snapshot'>,
    readonly selfDc: string,
  ) {}

  /** The DC label of member `id` ('' = none), undefined when the view does not know it. */
  dcOf(id: string): string | undefined {
    this.refresh();
    return this.byId.get(id);
  }

  /** True when member `id` is in another DC (invariant 2). */
  id(id: string): boolean {
    return this.remote(this.dcOf(id));
  }

  /** True when the member at peer address `address` is in another DC (invariant 2). */
  address(address: string): boolean {
    this.refresh();
    return this.remote(this.byAddress.get(address));
  }

  private remote(dc: string | undefined): boolean {
    return this.selfDc !== '' && dc !== undefined && dc !== '' && dc !== this.selfDc;
  }

  private refresh(): void {
    const members = this.view.snapshot();
    if (members === this.seen) return;
    this.seen = members;
    this.byId.clear();
    this.byAddress.clear();
    for (const m of members) {
      this.byId.set(m.id, m.dc ?? '');
      this.byAddress.set(m.address, m.dc ?? '');
    }
  }
}
