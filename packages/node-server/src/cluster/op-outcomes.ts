/**
 * How the cluster core turns a coordinator's outcome into the protocol error
 * a client gets: refused before sending (`unavailable`), not met
 * (`quorum-not-met`), out of time (`timeout`, indeterminate), or a quorum
 * error mapped to its protocol code.
 */
import { protocolError } from '@ringkv/protocol';
import type { Level } from '@ringkv/quorum';

/** A deadline `timeoutMs` from `nowMs` (a pending write gets at least a short while even when the request's time is spent). */
export function deadlineMsOf(nowMs: number, timeoutMs: number): number {
  return nowMs + Math.max(timeoutMs, 100);
}

/**
 * The coordinator refused before sending anything: fewer replicas of the key
 * are up (as gossip sees them) than the request needs. Determinate
 * (`unavailable`): nothing was written or read, so the client need not read
 * the key to learn whether the write happened.
 */
export function tooFewReplicas(what: 'read' | 'write', name: 'r' | 'w', level: Level, required: number): Error {
  const done = what === 'write' ? 'nothing was written' : 'nothing was read';
  const few = typeof level === 'number' ? `fewer than ${required} replicas of this key are up` : `too few replicas of this key are up${level === 'each-quorum' || level.startsWith('local-') ? ' in a data center it needs' : ''}`;
  return protocolError('unavailable', `${name}=${String(level)} cannot be met: ${few} (the others are down); ${done}. Ask for ${typeof level === 'number' ? `fewer (${name})` : 'a weaker level'} to ${what} anyway`);
}

export function notOk(status: 'quorum-not-met' | 'indeterminate', what: 'read' | 'write', got: number, required: number): Error {
  if (status === 'indeterminate') {
    return protocolError('timeout', `the ${what} did not reach its quorum in time (${got} of ${required})${what === 'write' ? '; it may have been applied' : ''}`);
  }
  return protocolError('quorum-not-met', `${got} of ${required} replicas ${what === 'write' ? 'acknowledged the write; it may have been applied on some' : 'answered'}`);
}

export function quorumToProtocol(code: string, message: string): Error {
  const text = message.replace(/^quorum: /, '');
  if (code === 'stopped') return protocolError('shutting-down', 'the node is shutting down; reconnect to another node');
  if (code === 'no-local-replica') return protocolError('unavailable', text);
  if (code === 'not-a-replica') return protocolError('unavailable', `this node is not a replica of the key (ring views differ): ${text}`);
  return protocolError('invalid-message', text);
}
