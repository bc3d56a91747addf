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

/** ws://host:port (or tcp://, wss://, tls://) → http(s)://host:port (one port serves them all). */
export function httpOf(wsUrl: string): string {
  // tcp: and tls: are not special schemes, and WHATWG URLs refuse to switch them to http: in place.
  const u = new URL(wsUrl.replace(/^tcp:\/\//, 'ws://').replace(/^tls:\/\//, 'wss://'));
  u.protocol = u.protocol === 'wss:' ? 'https:' : 'http:';
  u.pathname = '';
  return u.toString().replace(/\/$/, '');
}
