/**
 * The version check of the `hello` exchange.
 *
 * Invariant: a node answers a `hello` whose `protocolVersion` it does not
 * support with an `unsupported-version` error (close 1002) that names both
 * versions, never with a silent close.
 */

import { protocolError, type ProtocolError } from './errors.js';
import { PROTOCOL_VERSION, type HelloMessage } from './messages.js';

/** The protocol versions a side can speak, inclusive. */
export interface SupportedVersions {
  readonly min: number;
  readonly max: number;
}

/** This build speaks exactly `PROTOCOL_VERSION`. */
export const supportedVersions: SupportedVersions = Object.freeze({ min: PROTOCOL_VERSION, max: PROTOCOL_VERSION });

/**
 * `undefined` when the node can speak the hello's version, else the
 * `unsupported-version` error to send (as an error frame) before closing
 * with its close code.
 */
export function checkHelloVersion(hello: HelloMessage, supported: SupportedVersions = supportedVersions): ProtocolError | undefined {
  const v = hello.protocolVersion;
  if (v >= supported.min && v <= supported.max) return undefined;
  const range = supported.min === supported.max ? `${supported.min}` : `${supported.min} to ${supported.max}`;
  const advice = v > supported.max ? 'upgrade the node or use an older client' : 'upgrade the client';
  return protocolError('unsupported-version', `client protocol version ${v} is not supported (this node speaks ${range}); ${advice}`);
}
