/**
 * The pure half of an exchange: from a peer's digest, what it lacks and what
 * we lack; from a peer's requests, the deltas to send.
 *
 * Invariants:
 *   1. Only fields newer than the version the peer holds are sent; a member
 *      the peer holds at an older generation (or not at all) is sent whole.
 *   2. We request a member only when the peer's digest shows a newer version
 *      or generation than ours; version 0 in a request means "all of it".
 *   3. Members forgotten at a generation are neither requested nor sent at
 *      that generation or below, so a late copy cannot resurrect them.
 */
import { deltaSince, type Digest, type MemberDelta, type MemberState } from './state.js';

/** What the exchange needs to read of the local list (self included). */
export interface LocalView {
  state(id: string): MemberState | undefined;
  states(): Iterable<MemberState>;
  /** The generation a member was forgotten at, if it was. */
  forgottenAt(id: string): number | undefined;
}

/** Deltas the digest's sender lacks and requests for what it has newer. */
export interface DigestAnswer {
  readonly deltas: MemberDelta[];
  readonly requests: Digest[];
}

/** Compares a peer's digest with the local view (invariants 1–3). */
export function answerDigest(view: LocalView, digest: readonly Digest[]): DigestAnswer {
  const deltas: MemberDelta[] = [];
  const requests: Digest[] = [];
  const seen = new Set<string>();
  for (const [id, generation, version] of digest) {
    seen.add(id);
    const forgotten = view.forgottenAt(id);
    if (forgotten !== undefined && generation <= forgotten) continue;
    const local = view.state(id);
    if (local === undefined || local.generation < generation) requests.push([id, generation, 0]);
    else if (local.generation > generation) deltas.push(deltaSince(local, 0));
    else if (version > local.version) requests.push([id, generation, local.version]);
    else if (version < local.version) deltas.push(deltaSince(local, version));
  }
  for (const local of view.states()) if (!seen.has(local.id)) deltas.push(deltaSince(local, 0));
  return { deltas, requests };
}

/** The deltas answering a peer's requests. */
export function answerRequests(view: LocalView, requests: readonly Digest[]): MemberDelta[] {
  const deltas: MemberDelta[] = [];
  for (const [id, generation, known] of requests) {
    const local = view.state(id);
    if (local === undefined || local.generation < generation) continue;
    deltas.push(deltaSince(local, local.generation > generation ? 0 : known));
  }
  return deltas;
}
