/**
 * Finding the cluster's settings at start (cluster/agreement.ts, rule 2):
 * asks each seed `GET /cluster/settings` over HTTP, on the seed's own port,
 * from the node's bound IP like its peer links. Real I/O (sockets and timers): `startNode` runs it before the node listens;
 * a simulation hands each node its settings instead.
 */
import { get as httpGet } from 'node:http';
import { get as httpsGet } from 'node:https';
import * as L from '../limits.js';
import type { NodeLogger } from '../log.js';
import { checkRecord, type SettingsRecord } from './agreement.js';
import { peerLocalAddress } from './peer-network.js';

/** The HTTP path a node serves its settings record on (`{ settings: SettingsRecord }`). */
export const settingsPath = '/cluster/settings';

/** What one seed answered. */
type SeedAnswer = { readonly kind: 'record'; readonly record: SettingsRecord } | { readonly kind: 'none' } | { readonly kind: 'unreachable'; readonly reason: string };

/** The settings URL of a seed's ws URL (`ws://h:p` → `http://h:p/cluster/settings`). */
export function settingsUrlOf(seed: string): string {
  return `${seed.replace(/^ws(s?):\/\//, 'http$1://').replace(/\/(ws)?$/, '')}${settingsPath}`;
}

/** GET `url` as JSON from `localAddress` (the bound IP, as peer links dial: a proxy or firewall tells nodes apart by it), within the discovery deadline. */
function getJson(url: string, localAddress: string | undefined, tls: SeedTls | undefined): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const get = url.startsWith('https:') ? httpsGet : httpGet;
    const req = get(url, { timeout: L.settingsDiscoveryTimeoutMs, ...(localAddress === undefined ? {} : { localAddress }), ...tls }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
        if (text.length > settingsAnswerBytesMax) req.destroy(new Error('answer too large'));
      });
      res.on('end', () => {
        try {
          resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as unknown });
        } catch {
          resolve({ status: res.statusCode ?? 0, body: undefined });
        }
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${L.settingsDiscoveryTimeoutMs} ms`)));
    req.on('error', reject);
  });
}

/** A settings answer is a few hundred bytes; more is not one. */
const settingsAnswerBytesMax = 64 * 1024;

/** A TLS node's certificate, key and cluster CA: seeds are asked over https, as peers dial them (mutual TLS). */
export interface SeedTls {
  readonly ca: Buffer;
  readonly cert: Buffer;
  readonly key: Buffer;
}

async function ask(seed: string, localAddress: string | undefined, tls: SeedTls | undefined): Promise<SeedAnswer> {
  try {
    const res = await getJson(settingsUrlOf(seed), localAddress, tls);
    // An older node without the route, or one answering something else, holds no record we can use.
    if (res.status !== 200) return { kind: 'none' };
    const record = checkRecord((res.body as { settings?: unknown } | undefined)?.settings);
    return record === undefined ? { kind: 'none' } : { kind: 'record', record };
  } catch (error) {
    return { kind: 'unreachable', reason: (error as Error).message };
  }
}

/**
 * The record of the first seed (in `seeds` order) that holds one, or
 * `undefined` when every seed that answered holds none, or none answered
 * within `settingsDiscoveryRoundsMax` rounds (limits.ts says why it stops).
 * Never rejects.
 */
export async function discoverSettings(seeds: readonly string[], host: string, log: NodeLogger, tls?: SeedTls): Promise<SettingsRecord | undefined> {
  const localAddress = peerLocalAddress(host);
  for (let round = 1; round <= L.settingsDiscoveryRoundsMax && seeds.length > 0; round++) {
    const answers = await Promise.all(seeds.map((seed) => ask(seed, localAddress, tls)));
    const records = answers.flatMap((a) => (a.kind === 'record' ? [a.record] : []));
    if (records.length > 0) return records[0];
    if (answers.some((a) => a.kind === 'none')) return undefined;
    log.info({ round, seeds }, 'no seed answered for the cluster settings yet');
    if (round < L.settingsDiscoveryRoundsMax) await new Promise((resolve) => setTimeout(resolve, L.settingsDiscoveryRetryMs));
  }
  return undefined;
}
