/**
 * A simulated client: its own endpoint on the simulated network (so a
 * partition cuts clients from nodes too), sending client operations to a
 * node and waiting at most a client-side timeout for the answer.
 *
 * Invariants:
 *   1. Every request settles exactly once: with the node's reply, its error,
 *      or `timeout` after `timeoutMs` of sim time (never "failed": a timed
 *      out write may have been applied).
 *   2. A late answer to a request that already timed out is ignored.
 */
import type { ClusterOp, OpReply } from '@ringkv/node-server';
import type { RequestOptions } from '@ringkv/protocol';
import type { Simulation, SimTransport } from '@ringkv/sim';
import type { ClientAnswer, ClientRequest } from './endpoint.js';

/** How one request ended. */
export type Outcome =
  | { readonly kind: 'ok'; readonly reply: OpReply }
  | { readonly kind: 'error'; readonly code: string; readonly message: string }
  | { readonly kind: 'timeout' };

/** A client endpoint (module comment). */
export class SimClient {
  private readonly transport: SimTransport;
  private readonly pending = new Map<number, { done(o: Outcome): void; timer: number }>();
  private nextId = 1;

  constructor(
    readonly id: string,
    private readonly sim: Simulation,
    private readonly timeoutMs: number,
  ) {
    this.transport = sim.network.transport(id);
    this.transport.onMessage((_from, raw) => this.answer(raw as ClientAnswer));
  }

  /** Sends `op` to `node` and resolves with its outcome (invariant 1). */
  request(node: string, op: ClusterOp, options?: RequestOptions): Promise<Outcome> {
    return new Promise<Outcome>((resolve) => {
      const id = this.nextId++;
      const timer = this.sim.clock.setTimer(
        this.timeoutMs,
        () => {
          if (this.pending.delete(id)) resolve({ kind: 'timeout' });
        },
        this.id,
      );
      this.pending.set(id, { done: resolve, timer });
      const frame: ClientRequest = { k: 'q', id, op, ...(options === undefined ? {} : { options }) };
      this.transport.send(node, frame);
    });
  }

  private answer(a: ClientAnswer): void {
    const p = this.pending.get(a.id);
    if (p === undefined) return;
    this.pending.delete(a.id);
    this.sim.clock.clearTimer(p.timer);
    p.done('reply' in a ? { kind: 'ok', reply: a.reply } : { kind: 'error', code: a.error.code, message: a.error.message });
  }
}
