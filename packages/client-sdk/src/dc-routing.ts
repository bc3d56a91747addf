/**
 * Routing inside one data center (`connect(seeds, { dc })`): which members a
 * request may go to, best first.
 *
 * Invariants:
 *   1. Every id returned is a routable member of `dc` (normal or leaving,
 *      with a URL); no member of another DC is ever returned.
 *   2. The key's replicas in `dc` come first, in preference order (a write
 *      sent there is coordinated without a forward hop); then the other
 *      routable members of `dc`, sorted by id (any node coordinates a read
 *      and forwards a write).
 *   3. A request without a key (a scan page) may go to any routable member
 *      of `dc`, in `dcMembers` order: sorted by id.
 */
import type { Key } from '@ringkv/protocol';
import type { RingTable } from './ring-table.js';

/** The members of `dc` a request for `key` may go to, best first (module invariants). */
export function dcRouteOrder(table: RingTable, key: Key, dc: string): string[] {
  const replicas = table.routeOrder(key).filter((id) => table.dcOf(id) === dc && table.routable(id));
  const rest = dcMembers(table, dc).filter((id) => !replicas.includes(id));
  return [...replicas, ...rest];
}

/** The routable members of `dc`, sorted by id: where a request without a key may go (invariants 1 and 3). */
export function dcMembers(table: RingTable, dc: string): string[] {
  return table.membersIn(dc).filter((id) => table.routable(id));
}
