/**
 * A bounded HTTP GET of another node's text endpoint (`/status`,
 * `/metrics`, `/dashboard/node`), for the dashboard's sampler.
 *
 * Invariants:
 *   1. Settles by `timeoutMs`: a member that accepts the connection and
 *      never answers (SIGSTOP) rejects at the deadline and its socket is
 *      destroyed.
 *   2. At most `bytesMax` bytes are read; a longer body rejects.
 *   3. Anything but a 200 rejects with the status in the message.
 */
import { get as httpGet } from 'node:http';
import { get as httpsGet } from 'node:https';

/** The HTTP base (`http://host:port`) of a node whose address is its WebSocket URL (`ws://host:port`; `wss` maps to `https`). */
export function httpBaseOf(address: string): string {
  const url = new URL(address);
  const scheme = url.protocol === 'wss:' || url.protocol === 'https:' ? 'https:' : 'http:';
  return `${scheme}//${url.host}`;
}

/**
 * GETs `url` (with `headers` besides `accept`) and resolves with its body as text; rejects on a network error, a non-200 status, `timeoutMs` or more than `bytesMax` bytes (module invariants).
 * `tls`: a TLS node's certificate, key and cluster CA, for another member's `https://` endpoints (mutual TLS, as peer links).
 */
export function fetchText(url: string, timeoutMs: number, bytesMax: number, headers: Readonly<Record<string, string>> = {}, tls?: { readonly ca: Buffer; readonly cert: Buffer; readonly key: Buffer }): Promise<string> {
  return new Promise((resolve, reject) => {
    const get = url.startsWith('https:') ? httpsGet : httpGet;
    const req = get(url, { headers: { accept: 'application/json, text/plain', ...headers }, ...tls }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        reject(new Error(`${url} answered ${res.statusCode}`));
        return;
      }
      const parts: Buffer[] = [];
      let bytes = 0;
      res.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        if (bytes > bytesMax) {
          req.destroy(new Error(`${url} answered more than ${bytesMax} bytes`));
          return;
        }
        parts.push(chunk);
      });
      res.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
      res.on('error', reject);
    });
    const timer = setTimeout(() => req.destroy(new Error(`${url} did not answer within ${timeoutMs} ms`)), timeoutMs);
    req.on('error', reject);
    req.on('close', () => clearTimeout(timer));
  });
}
