/**
 * The command lines of `ringkv backup` and `ringkv restore` (what they run is
 * backup.ts): kept apart so the argument parser does not import the commands.
 */
import { adminCommon, adminOptions, type AdminTarget } from '../admin-target.js';
import { CliError } from '../errors.js';
import { parseFlags } from '../parse-flags.js';

export interface BackupCommand extends AdminTarget {
  readonly kind: 'backup';
  readonly out: string;
}

export interface RestoreCommand extends AdminTarget {
  readonly kind: 'restore';
  readonly dir: string;
}

export const backupUsage = `ringkv backup --out DIR [options]
Backs up the whole cluster: every member takes a snapshot of its storage (hard links, while it
serves), the files are copied into DIR/<node id>/, and DIR/manifest.json records the nodes, the
ring and the settings. Every write acknowledged before the backup began is in it.
  --out DIR          an empty or new directory
  --url URL          any node of the cluster (default $RINGKV_URL or ws://127.0.0.1:7000)
  --token T          admin token (default $RINGKV_TOKEN, else $RINGKV_AUTH_TOKEN)
  --json             machine-readable summary`;

export const restoreUsage = `ringkv restore DIR [options]
Restores a backup into the cluster at --url (typically new and empty, of any size): every key of
every node's snapshot is merged into each of its replicas through the normal replica path, so
siblings are kept and keys land where the new ring puts them.
  --url URL          any node of the target cluster (default $RINGKV_URL or ws://127.0.0.1:7000)
  --token T          admin token (default $RINGKV_TOKEN, else $RINGKV_AUTH_TOKEN)
  --json             machine-readable summary`;

export function parseBackup(args: readonly string[]): BackupCommand | { kind: 'help'; text: string } {
  const { values, positionals } = parseFlags('backup', args, { ...adminOptions, out: { type: 'string' } } as const);
  if (values.help) return { kind: 'help', text: backupUsage };
  if (positionals.length > 0) throw new CliError('usage', `backup: unexpected argument "${positionals[0]}"`);
  const out = values.out;
  if (out === undefined || out === '') throw new CliError('usage', 'backup: --out DIR is required');
  return { kind: 'backup', ...adminCommon('backup', values), out };
}

export function parseRestore(args: readonly string[]): RestoreCommand | { kind: 'help'; text: string } {
  const { values, positionals } = parseFlags('restore', args, adminOptions);
  if (values.help) return { kind: 'help', text: restoreUsage };
  if (positionals.length !== 1) throw new CliError('usage', 'restore: give exactly one backup directory (usage: ringkv restore DIR)');
  return { kind: 'restore', ...adminCommon('restore', values), dir: positionals[0] as string };
}
