// The packed packages, installed by npm into a scratch project outside the repository,
// work from ESM, from CommonJS (require of ESM, Node >= 20.19) and from TypeScript
// with `nodenext` (issue 13 item 9). Needs the npm registry for the third-party
// dependencies (ws, msgpackr), as `pnpm install` does; nothing here is skipped.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packPackage } from './packages.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const needed = ['client-sdk', 'protocol', 'hashring'];
let scratch;

function sh(cmd, args, cwd) {
  try {
    return execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    throw new Error(`${cmd} ${args.join(' ')} failed in ${cwd}:\n${error.stdout}${error.stderr}`);
  }
}

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'ringkv-scratch-'));
  const tarballs = join(scratch, 'tarballs');
  // Builds what is packed (a no-op when dist is current).
  sh(join(root, 'node_modules', '.bin', 'tsc'), ['-b', 'packages/client-sdk'], root);
  const deps = {};
  for (const name of needed) deps[`@ringkv/${name}`] = `file:${packPackage(join(root, 'packages', name), tarballs)}`;
  const project = join(scratch, 'app');
  sh('mkdir', ['-p', project], scratch);
  // The tarballs depend on each other by exact version; overrides make npm take
  // those from the local tarballs rather than from the registry.
  const overrides = Object.fromEntries(Object.keys(deps).map((name) => [name, `$${name}`]));
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'scratch', private: true, dependencies: deps, overrides }, null, 2));
  sh('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', '--omit=optional', '--loglevel=error'], project);
}, 120_000);

afterAll(() => {
  if (scratch !== undefined) rmSync(scratch, { recursive: true, force: true });
});

const use = (load) => `
${load}
if (typeof connect !== 'function') throw new Error('connect is not a function');
connect('ws://127.0.0.1:1', { connectTimeoutMs: 2000 }).then(
  () => { throw new Error('connected to nothing'); },
  (error) => { console.log(isRingkvError(error) ? error.code : 'not a RingkvError: ' + error); },
);
`;

describe('the packed client SDK installed by npm in a scratch project', () => {
  it('loads with import from ESM and reports a refused seed as not-connected', () => {
    writeFileSync(join(scratch, 'app', 'esm.mjs'), use("import { connect, isRingkvError } from '@ringkv/client-sdk';"));
    expect(sh(process.execPath, ['esm.mjs'], join(scratch, 'app')).trim()).toBe('not-connected');
  }, 60_000);

  it('loads with require from CommonJS and reports a refused seed as not-connected', () => {
    writeFileSync(join(scratch, 'app', 'cjs.cjs'), use("const { connect, isRingkvError } = require('@ringkv/client-sdk');"));
    expect(sh(process.execPath, ['cjs.cjs'], join(scratch, 'app')).trim()).toBe('not-connected');
  }, 60_000);

  it('type-checks typed calls from an ES module and a CommonJS module under nodenext', () => {
    const typed = `import { connect, isRingkvError, type GetResult, type RingkvClient } from '@ringkv/client-sdk';
export async function readName(): Promise<string | undefined> {
  const client: RingkvClient = await connect(['ws://127.0.0.1:7000'], { requestTimeoutMs: 1000 });
  try {
    const result: GetResult<string> = await client.get<string>('user:1', { r: 2 });
    const first = result.values[0];
    return first;
  } catch (error) {
    if (isRingkvError(error) && error.code === 'not-connected') return undefined;
    throw error;
  } finally {
    await client.close();
  }
}
`;
    writeFileSync(join(scratch, 'app', 'typed.mts'), typed);
    writeFileSync(join(scratch, 'app', 'typed.cts'), typed);
    // A wrong call must fail, so the check is not vacuous.
    writeFileSync(join(scratch, 'app', 'wrong.mts'), "import { connect } from '@ringkv/client-sdk';\nvoid connect(7000);\n");
    const tsc = join(root, 'node_modules', '.bin', 'tsc');
    const flags = ['--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--strict', '--noEmit', '--types', ''];
    sh(tsc, [...flags, 'typed.mts', 'typed.cts'], join(scratch, 'app'));
    expect(() => sh(tsc, [...flags, 'wrong.mts'], join(scratch, 'app'))).toThrow(/TS2345/);
  }, 60_000);
});
