/**
 * How the CLI reaches a node's HTTP endpoints (`/status`, `/metrics`, the
 * admin endpoints): the node's HTTP root from its client URL, and the
 * `Authorization` header. A node with tokens serves `/status` and `/metrics`
 * only to a token of any role (unless it runs with `--metrics-public`). The
 * token is sent only when one is given, and never printed.
 */

/** `{ authorization: 'Bearer …' }`, or no header without a token. */
export function bearerHeaders(token: string | undefined): Record<string, string> {
  return token === undefined ? {} : { authorization: `Bearer ${token}` };
}

/** ws://host:port (or tcp://host:port) → http://host:port (one port serves them all). */
export function httpOf(wsUrl: string): string {
  // tcp: is not a special scheme, and WHATWG URLs refuse to switch it to http: in place.
  const u = new URL(wsUrl.startsWith('tcp://') ? `ws://${wsUrl.slice('tcp://'.length)}` : wsUrl);
  u.protocol = u.protocol === 'wss:' ? 'https:' : 'http:';
  u.pathname = '';
  return u.toString().replace(/\/$/, '');
}
