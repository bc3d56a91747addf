/**
 * Gossip and peer calls of one node multiplexed on its @ringkv/sim transport
 * (no sockets): calls time out on the simulated clock, so a crashed or
 * partitioned peer looks like one on a real network.
 */
import { protocolError, type PeerMessage } from '@ringkv/protocol';
import type { Simulation, SimTransport } from '@ringkv/sim';
import type { PeerCallBody } from '../../src/cluster/peer-link.js';
import type { PeerPort } from '../../src/cluster/replicas.js';

/** Gossip and peer calls multiplexed on one simulated transport per node. */
export function simPorts(sim: Simulation, t: SimTransport) {
  let gossip: ((from: string, m: unknown) => void) | undefined;
  let serve: ((from: string, call: PeerMessage) => Promise<PeerMessage>) | undefined;
  const pending = new Map<number, { resolve(m: PeerMessage): void; reject(e: Error): void; timer: unknown }>();
  let next = 1;
  t.onMessage((from, raw) => {
    const m = raw as { k: string; m?: unknown; id?: number; body?: PeerMessage; reply?: PeerMessage };
    if (m.k === 'g') gossip?.(from, m.m);
    else if (m.k === 'c' && serve) void serve(from, m.body as PeerMessage).then((reply) => t.send(from, { k: 'r', id: m.id, reply }));
    else if (m.k === 'r') {
      const p = pending.get(m.id as number);
      if (p === undefined) return;
      pending.delete(m.id as number);
      sim.clock.clearTimer(p.timer);
      const reply = m.reply as PeerMessage;
      if (reply.type === 'peer-error') p.reject(protocolError(reply.code, reply.message));
      else p.resolve(reply);
    }
  });
  const peers: PeerPort = {
    call: (address: string, body: PeerCallBody, timeoutMs: number) =>
      new Promise<PeerMessage>((resolve, reject) => {
        const id = next++;
        const timer = sim.clock.setTimer(timeoutMs, () => {
          if (pending.delete(id)) reject(protocolError('timeout', `${address} did not answer`));
        });
        pending.set(id, { resolve, reject, timer });
        t.send(address, { k: 'c', id, body: { ...body, id, timeoutMs: Math.ceil(timeoutMs) } });
      }),
  };
  return {
    transport: { send: (to: string, m: unknown) => t.send(to, { k: 'g', m }), onMessage: (h: (from: string, m: unknown) => void) => void (gossip = h) },
    peers,
    serveWith: (fn: typeof serve) => void (serve = fn),
  };
}

