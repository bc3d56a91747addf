/**
 * A WebSocket client on a bare TCP socket, for the process tests that must
 * see what the node does on the wire (a close code, a silent connection):
 * the upgrade, masked binary frames out, unmasked frames in. Messages are
 * @ringkv/protocol's frames. Every wait is bounded by the caller.
 */
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { PROTOCOL_VERSION, WireCodec, type Message } from '@ringkv/protocol';

const codec = new WireCodec();

/** What came from the node: protocol messages, and the close frame's code once it came. */
export interface RawWs {
  readonly socket: Socket;
  readonly messages: Message[];
  /** The close frame's code, once one arrived. */
  closeCode: number | undefined;
  /** Resolves when the TCP socket closed. */
  readonly ended: Promise<void>;
  send(message: Message): void;
  hello(authToken: string | undefined): void;
}

/** Opens `http`'s WebSocket (path `/`) and resolves once the node answered 101; sends nothing more. */
export function rawWebSocket(http: string): Promise<RawWs> {
  const u = new URL(http);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(u.port), u.hostname, () => {
      const key = randomBytes(16).toString('base64');
      socket.write(`GET / HTTP/1.1\r\nHost: ${u.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`);
    });
    const ended = new Promise<void>((r) => socket.once('close', () => r()));
    let buffered: Buffer = Buffer.alloc(0);
    let upgraded = false;
    const ws: RawWs = {
      socket,
      messages: [],
      closeCode: undefined,
      ended,
      send: (message) => socket.write(maskedFrame(codec.encode(message))),
      hello: (authToken) => ws.send({ type: 'hello', protocolVersion: PROTOCOL_VERSION, clientName: 'raw-ws-test', ...(authToken === undefined ? {} : { authToken }) }),
    };
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      if (!upgraded) {
        const end = buffered.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buffered.subarray(0, end).toString('latin1');
        if (!head.startsWith('HTTP/1.1 101')) return reject(new Error(`no upgrade: ${head.split('\r\n')[0]}`));
        upgraded = true;
        buffered = buffered.subarray(end + 4);
        resolve(ws);
      }
      buffered = readFrames(buffered, ws);
    });
    socket.once('error', reject);
  });
}

/** Takes the complete frames off `bytes` into `ws`; returns the rest. */
function readFrames(bytes: Buffer, ws: RawWs): Buffer {
  let at = 0;
  for (;;) {
    if (bytes.length - at < 2) break;
    const opcode = (bytes[at] as number) & 0x0f;
    let length = (bytes[at + 1] as number) & 0x7f;
    let head = 2;
    if (length === 126) {
      if (bytes.length - at < 4) break;
      length = bytes.readUInt16BE(at + 2);
      head = 4;
    } else if (length === 127) {
      if (bytes.length - at < 10) break;
      length = Number(bytes.readBigUInt64BE(at + 2));
      head = 10;
    }
    if (bytes.length - at < head + length) break;
    const payload = bytes.subarray(at + head, at + head + length);
    if (opcode === 0x2) {
      const decoded = codec.decode(payload);
      if (decoded.ok) ws.messages.push(decoded.message);
    } else if (opcode === 0x8 && payload.length >= 2) ws.closeCode = payload.readUInt16BE(0);
    at += head + length;
  }
  return bytes.subarray(at);
}

/** A client's binary frame: FIN, opcode 2, masked as RFC 6455 requires. */
function maskedFrame(payload: Uint8Array): Buffer {
  const mask = randomBytes(4);
  const n = payload.length;
  const head = n < 126 ? Buffer.from([0x82, 0x80 | n]) : n < 65_536 ? Buffer.from([0x82, 0x80 | 126, n >> 8, n & 0xff]) : Buffer.concat([Buffer.from([0x82, 0x80 | 127]), bigLength(n)]);
  const body = Buffer.from(payload);
  for (let i = 0; i < body.length; i++) body[i] = (body[i] as number) ^ (mask[i % 4] as number);
  return Buffer.concat([head, mask, body]);
}

function bigLength(n: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(n));
  return b;
}
