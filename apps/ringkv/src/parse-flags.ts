/**
 * `parseArgs` with strict checking for every command: unknown flags and bad
 * values become one-line usage errors (exit 2) that name the command and
 * point at its `--help`.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { CliError } from './errors.js';

/** Parses `args` against `options` (positionals allowed); throws `CliError('usage')`. */
export function parseFlags<O extends NonNullable<ParseArgsConfig['options']>>(
  command: string,
  args: readonly string[],
  options: O,
): ReturnType<typeof parseArgs<{ args: string[]; options: O; strict: true; allowPositionals: true }>> {
  try {
    return parseArgs({ args: [...args], options, strict: true, allowPositionals: true });
  } catch (error) {
    const message = (error as Error).message.replace(/\. To specify a positional argument.*$/s, '');
    throw new CliError('usage', `${command}: ${message} (try: ringkv ${command} --help)`);
  }
}
