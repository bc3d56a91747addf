/**
 * What every command that calls a node's admin HTTP endpoints takes (`--url`,
 * `--token`, `--json`), parsed the same way for each; and the check of a node
 * URL given on the command line. Its own module so command files can use it
 * without importing the whole argument parser (args.ts imports them).
 */
import type { ParseArgsConfig } from 'node:util';
import { CliError } from './errors.js';
import { wsUrl } from './url.js';

/** What every command that calls a node's admin HTTP endpoints takes. */
export interface AdminTarget {
  /** The node to ask (`--url`); undefined: `$RINGKV_URL`, else the local default. */
  readonly url: string | undefined;
  /** Bearer token (`--token`); undefined: `$RINGKV_TOKEN`, else `$RINGKV_AUTH_TOKEN`, else none. */
  readonly token: string | undefined;
  readonly json: boolean;
}

export const adminOptions = {
  url: { type: 'string' },
  token: { type: 'string' },
  'auth-token': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options'];

/** A node's ws:// or wss:// URL from a port, `host:port`, a ws(s):// or an http(s):// URL (see url.ts), or with `allowTcp` a tcp:// one, else a usage error. */
export function checkUrl(command: string, text: string, flag = '--url', allowTcp = false): string {
  const parsed = wsUrl(text, allowTcp);
  if (!parsed.ok) throw new CliError('usage', `${command}: ${flag} "${text}" ${parsed.why}`);
  return parsed.url;
}

/** The admin target of a command's parsed flags. */
export function adminCommon(command: string, values: { url?: string; token?: string; 'auth-token'?: string; json?: boolean }): AdminTarget {
  if (values.token !== undefined && values['auth-token'] !== undefined) throw new CliError('usage', `${command}: give --token or --auth-token, not both`);
  return {
    url: values.url === undefined ? undefined : checkUrl(command, values.url),
    token: values.token ?? values['auth-token'],
    json: values.json ?? false,
  };
}
