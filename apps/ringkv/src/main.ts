/**
 * The command line without the process: parse, run, turn every failure into
 * one line and an exit code. `cli.ts` wires it to the real process.
 *
 * Invariant: `main` never throws and never prints a stack trace; it returns
 * the exit code (0 ok, 1 failure, 2 usage), or `'running'` when a started
 * node keeps the process alive.
 */

import { readFileSync } from 'node:fs';
import { isRingkvError } from '@ringkv/client-sdk';
import { parseCommand } from './args.js';
import { benchText, runBench } from './commands/bench.js';
import { exitDevOnSignals, runDev } from './commands/dev.js';
import { runShards, shardCount } from './commands/shards.js';
import { runKv } from './commands/kv.js';
import { runKeys } from './commands/keys.js';
import { leaveText, runLeave } from './commands/leave.js';
import { runRepair, repairText } from './commands/repair.js';
import { cleanupText, planText, removeText, runCleanup, runPlan, runRemove } from './commands/topology.js';
import { runStatus, statusText } from './commands/status.js';
import { exitOnLeft, exitOnSignals, runStart } from './commands/start.js';
import { runToken } from './commands/token.js';
import { runBatch } from './commands/batch.js';
import { backupText, restoreText, runBackup, runRestore } from './commands/backup.js';
import { isCliError, oneLine } from './errors.js';
import { takeTlsCa } from './tls-client.js';
import type { Io } from './io.js';

/** Runs one command line; see the module invariant. */
export async function main(argv: readonly string[], io: Io): Promise<number | 'running'> {
  try {
    const command = parseCommand(await takeTlsCa(argv, io.env));
    switch (command.kind) {
      case 'help':
        io.stdout(command.text);
        return 0;
      case 'version':
        io.stdout(`ringkv ${appVersion()}`);
        return 0;
      case 'start': {
        const shards = shardCount(command.flags);
        if (shards !== undefined) {
          await runShards(command, shards, io, (running) => exitDevOnSignals(running, io, 'ringkv shards'));
          return 'running';
        }
        // Signal handlers go in before the ready line: SIGTERM right after it stops the node gracefully.
        await runStart(command, io, (left) => exitOnLeft(left, io), (node) => exitOnSignals(node, io));
        return 'running';
      }
      case 'dev': {
        await runDev(command, io, (cluster) => exitDevOnSignals(cluster, io));
        return 'running';
      }
      case 'status':
        return show(io, command.json, await runStatus(command, io), statusText);
      case 'repair': {
        const summary = await runRepair(command, io);
        show(io, command.json, summary, repairText);
        return summary.exchangesFailed > 0 ? 1 : 0;
      }
      case 'leave':
        return show(io, command.json, await runLeave(command, io), leaveText);
      case 'remove':
        return show(io, command.json, await runRemove(command, io), removeText);
      case 'cleanup':
        return show(io, command.json, await runCleanup(command, io), cleanupText);
      case 'plan':
        return show(io, command.json, await runPlan(command, io), planText);
      case 'token':
        runToken(command, io);
        return 0;
      case 'backup':
        return show(io, command.json, await runBackup(command, io), backupText);
      case 'restore':
        return show(io, command.json, await runRestore(command, io), restoreText);
      case 'mget':
      case 'mput':
      case 'mdel':
        await runBatch(command, io);
        return 0;
      case 'keys':
        await runKeys(command, io);
        return 0;
      case 'bench': {
        const result = await runBench(command, io);
        show(io, command.json, result, benchText);
        return result.errors > 0 ? 1 : 0;
      }
      default:
        await runKv(command, io);
        return 0;
    }
  } catch (error) {
    io.stderr(errorLine(error));
    return isCliError(error) ? error.exitCode : 1;
  }
}

/** Prints a command's result as JSON or as text; returns exit code 0. */
function show<T>(io: Io, json: boolean, value: T, text: (value: T) => string): 0 {
  io.stdout(json ? JSON.stringify(value) : text(value));
  return 0;
}

/** The app's version, from its package.json (beside `src/` and `dist/`). */
export function appVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: unknown };
  return typeof pkg.version === 'string' ? pkg.version : 'unknown';
}

/** One line for any error: our own as is, the libraries' with their prefix replaced. */
export function errorLine(error: unknown): string {
  if (isCliError(error)) return error.message;
  if (isRingkvError(error)) return `ringkv: ${oneLine(error.message.replace(/^client-sdk: /, ''))} [${error.code}]`;
  if (error instanceof Error) return `ringkv: ${oneLine(error.message.replace(/^[a-z-]+: /, ''))}`;
  return `ringkv: ${oneLine(String(error))}`;
}
