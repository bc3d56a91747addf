/** Names of the files in an engine directory. */
export { logFileName, parseLogFileName } from '../wal/format.js';
export { syncMarkFileName, parseSyncMarkFileName } from '../wal/sync-mark.js';
export { manifestFileName, parseManifestFileName, CURRENT_FILE, CURRENT_TMP_FILE } from '../manifest/manifest.js';

export const LOCK_FILE = 'LOCK';

export function tableFileName(n: number): string {
  return `${String(n).padStart(6, '0')}.sst`;
}

export function parseTableFileName(name: string): number | undefined {
  const m = /^(\d+)\.sst$/.exec(name);
  return m ? Number(m[1]) : undefined;
}

/** A retry's probe write on a full disk (engine.ts `probeSpace`); removed at once, and by recovery if a crash left it. */
export const SPACE_PROBE_FILE = 'SPACE-PROBE';
