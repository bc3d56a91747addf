import { Packr } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { WireCodec } from './codec.js';
import { errorFrame, errorFrameFor, errorFromFrame } from './error-frames.js';
import { errorCodeTable, isProtocolError, protocolError, protocolErrorCodes, type ProtocolErrorCode } from './errors.js';
import { checkHelloVersion } from './handshake.js';
import { errorMessageBytesMax } from './limits.js';
import { PROTOCOL_VERSION } from './messages.js';
import { utf8ByteLength } from './utf8.js';

describe('errorCodeTable', () => {
  it('closes with the code the style guide assigns to each kind of failure', () => {
    const closing: Partial<Record<ProtocolErrorCode, number>> = {
      'frame-too-large': 1009,
      'limit-exceeded': 1009,
      'malformed-frame': 1007,
      'unsupported-version': 1002,
      'hello-required': 1002,
      unauthorized: 1008,
      'shutting-down': 1001,
    };
    for (const code of protocolErrorCodes) {
      expect(errorCodeTable[code].closeCode, code).toBe(closing[code]);
    }
  });

  it('marks timeout and quorum-not-met indeterminate: the write may have happened', () => {
    const indeterminate = protocolErrorCodes.filter((code) => errorCodeTable[code].indeterminate);
    expect(indeterminate).toEqual(expect.arrayContaining(['timeout', 'quorum-not-met']));
    expect(errorCodeTable['key-too-large'].indeterminate).toBe(false);
  });
});

describe('protocolError', () => {
  it('attaches the close code of its code and the package prefix', () => {
    const error = protocolError('frame-too-large', 'frame of 9 bytes exceeds 8', { requestId: 3 });
    expect(error).toMatchObject({ name: 'ProtocolError', code: 'frame-too-large', closeCode: 1009, requestId: 3 });
    expect(error.message).toBe('protocol: frame of 9 bytes exceeds 8');
    expect(isProtocolError(error)).toBe(true);
  });

  it('isProtocolError checks the name and code, not the class identity', () => {
    const lookalike = Object.assign(new Error('x'), { name: 'ProtocolError', code: 'timeout' });
    expect(isProtocolError(lookalike)).toBe(true);
    expect(isProtocolError(Object.assign(new Error('x'), { name: 'ProtocolError', code: 'nope' }))).toBe(false);
    expect(isProtocolError(new Error('x'))).toBe(false);
  });
});

describe('error frames', () => {
  const codec = new WireCodec();

  it('round-trip a ProtocolError through an encoded error frame with its code, id and close code', () => {
    for (const code of protocolErrorCodes) {
      const sent = protocolError(code, `detail of ${code}`, { requestId: 12 });
      const decoded = codec.decode(codec.encode(errorFrame(sent)));
      expect(decoded.ok).toBe(true);
      if (!decoded.ok || decoded.message.type !== 'error') return;
      const received = errorFromFrame(decoded.message);
      expect([received.code, received.requestId, received.closeCode, received.message]).toEqual([
        code,
        12,
        errorCodeTable[code].closeCode,
        `protocol: detail of ${code}`,
      ]);
    }
  });

  it('cuts long messages to errorMessageBytesMax so the frame always encodes', () => {
    const frame = errorFrameFor('internal', 'é'.repeat(2000));
    expect(utf8ByteLength(frame.message)).toBeLessThanOrEqual(errorMessageBytesMax);
    expect(() => codec.encode(frame)).not.toThrow();
  });

  it('omits the id when the error concerns the connection', () => {
    expect(errorFrame(protocolError('malformed-frame', 'x'))).toEqual({ type: 'error', code: 'malformed-frame', message: 'x' });
  });
});

describe('checkHelloVersion', () => {
  it('accepts the current version', () => {
    expect(checkHelloVersion({ type: 'hello', protocolVersion: PROTOCOL_VERSION, clientName: 'c' })).toBeUndefined();
  });

  it('refuses a newer client with unsupported-version, close 1002 and both versions named', () => {
    const error = checkHelloVersion({ type: 'hello', protocolVersion: PROTOCOL_VERSION + 1, clientName: 'c' });
    expect(error).toMatchObject({ code: 'unsupported-version', closeCode: 1002 });
    expect(error?.message).toContain(`version ${PROTOCOL_VERSION + 1}`);
    expect(error?.message).toContain(`speaks ${PROTOCOL_VERSION}`);
  });

  it('tells an older client to upgrade', () => {
    const error = checkHelloVersion({ type: 'hello', protocolVersion: 1, clientName: 'c' }, { min: 2, max: 3 });
    expect(error?.message).toContain('upgrade the client');
  });
});

describe('rate-limited and forbidden (issue 16)', () => {
  const codec = new WireCodec();

  it('carries retryAfterMs from the node to the client through the wire', () => {
    const frame = errorFrameFor('rate-limited', 'token t is over its rate', 9, 123.4);
    expect(frame).toEqual({ type: 'error', id: 9, code: 'rate-limited', message: 'token t is over its rate', retryAfterMs: 124 });
    const decoded = codec.decode(codec.encode(frame));
    expect(decoded.ok && decoded.message).toEqual(frame);
    const error = errorFromFrame(frame);
    expect(error).toMatchObject({ code: 'rate-limited', requestId: 9, retryAfterMs: 124 });
    expect(errorCodeTable['rate-limited'].retryable).toBe(true);
  });

  it('leaves retryAfterMs out of every other error, and keeps a forbidden connection open', () => {
    expect(errorFrameFor('forbidden', 'a read token may not put', 1)).not.toHaveProperty('retryAfterMs');
    expect(errorCodeTable.forbidden).toMatchObject({ closeCode: undefined, retryable: false });
  });

  it('refuses a retryAfterMs that is negative, fractional or over an hour', () => {
    const raw = new Packr({ useRecords: false });
    const frame = (retryAfterMs: number): Uint8Array => raw.pack({ v: 1, k: 0, type: 'error', id: 1, code: 'rate-limited', message: 'm', retryAfterMs });
    expect(codec.decode(frame(250)).ok).toBe(true);
    for (const bad of [-1, 1.5, 3_600_001]) expect(codec.decode(frame(bad)).ok, String(bad)).toBe(false);
  });
});
