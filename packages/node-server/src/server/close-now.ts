/**
 * Closing client and peer WebSockets: without waiting for the close frame of
 * a side that has not authenticated, and the refusal of text frames.
 */
import type { Duplex } from 'node:stream';
import { protocolError, type ProtocolError } from '@ringkv/protocol';
import type { WebSocket } from 'ws';

/** 1003: the endpoint received a data type it does not accept (a text frame; RFC 6455). */
export const closeUnsupportedData = 1003;

/** The refusal of a text frame, on client and peer connections alike: the protocols are binary MessagePack only. */
export function textFrameError(): ProtocolError {
  return protocolError('malformed-frame', 'text frames are not accepted: frames are binary MessagePack');
}

/**
 * Sends the close frame (after anything already queued), then destroys the
 * socket once those bytes are written. A normal `ws.close` waits up to ws's
 * 30 s close timeout for the other side's close frame, and an attacker that
 * never answers kept its slot that long (issue 15). Use it for sockets that
 * have not authenticated (before a good hello); authenticated ones keep the
 * polite handshake.
 */
export function closeWithoutHandshake(ws: WebSocket, socket: Duplex, code: number, reason: string): void {
  ws.close(code, reason);
  socket.end();
  if (socket.writableFinished) socket.destroy();
  else socket.once('finish', () => socket.destroy());
}
