/**
 * Node addresses as a user types them: `7000` (a port on this machine),
 * `host:port`, `ws://…`/`wss://…`, `tcp://…`/`tls://…` (the SDK's raw TCP transport, plain or in TLS),
 * or `http://…`/`https://…` (one port serves WebSocket, TCP clients and
 * HTTP, so the HTTP URL of a node names its WebSocket too).
 * Every command's `--url`, `--seeds` and `$RINGKV_URL` go through `wsUrl`;
 * `tcp://` is for client commands (`allowTcp`): `start --seeds` names peers,
 * which speak WebSocket.
 */

/** The ws:// (or wss://, or with `allowTcp` tcp://) URL `text` names, or a reason it names none. */
export function wsUrl(text: string, allowTcp = false): { ok: true; url: string } | { ok: false; why: string } {
  const t = text.trim();
  let url: string;
  if (/^\d+$/.test(t)) {
    if (!(Number(t) >= 1 && Number(t) <= 65535)) return { ok: false, why: 'has a port outside 1…65535' };
    url = `ws://127.0.0.1:${t}`;
  } else if (/^https?:\/\//i.test(t)) url = t.replace(/^http/i, 'ws');
  else if (/^[a-z][a-z0-9+.-]*:\/\//i.test(t)) url = t;
  else if (/:\d{1,5}\/?$/.test(t)) url = `ws://${t}`;
  else return { ok: false, why: 'needs a port (give host:port, a port alone, or a ws:// URL)' };
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { ok: false, why: 'is not a URL (expected a port, host:port or ws://host:port)' };
  }
  if ((parsed.protocol === 'tcp:' || parsed.protocol === 'tls:') && !allowTcp) return { ok: false, why: `is a ${parsed.protocol}// URL, which only clients speak: give host:port or a ws:// URL here` };
  if (!['ws:', 'wss:', 'tcp:', 'tls:'].includes(parsed.protocol)) return { ok: false, why: 'must be a port, host:port, ws://, wss://, tcp://, tls://, http:// or https://' };
  if (parsed.hostname === '' || !/^[a-z0-9.[\]:_-]+$/i.test(parsed.hostname)) return { ok: false, why: 'has no valid host' };
  // A bare number in the host position ("ws://7000") is an IPv4 address in WHATWG URLs (0.0.27.88): never what was meant.
  if (/^\d+$/.test(/^[a-z][a-z0-9+.-]*:\/\/([^/:?#]*)/i.exec(url)?.[1] ?? '')) return { ok: false, why: 'has a number for a host (give a port alone, or host:port)' };
  return { ok: true, url };
}
