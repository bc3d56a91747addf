/**
 * How a user runs this command line from their shell, for the lines the
 * banners print (`try:`, `status:`, `grow:`): `ringkv` when an executable of
 * that name is on the PATH (an `npm install -g`, `pnpm link --global`), else
 * `node <path to cli.js>`, relative to the working directory when it lies
 * below it. A clone has no `ringkv` on the PATH, and a banner that says
 * `ringkv …` there prints a command the shell cannot find.
 */
import { accessSync, constants } from 'node:fs';
import { delimiter, isAbsolute, join, relative } from 'node:path';

/** True when `dir` holds an executable file `name`. */
function executableIn(dir: string, name: string): boolean {
  try {
    accessSync(join(dir, name), constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The command that runs this CLI in the user's shell (module comment). */
export function cliInvocation(env: Readonly<Record<string, string | undefined>>, cwd: string, cliPath: string): string {
  const dirs = (env.PATH ?? '').split(delimiter).filter((d) => d !== '');
  if (dirs.some((d) => executableIn(d, 'ringkv'))) return 'ringkv';
  const rel = relative(cwd, cliPath);
  const shown = rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel : cliPath;
  return `node ${/\s/.test(shown) ? JSON.stringify(shown) : shown}`;
}
