/**
 * The dashboard in a real headless Chromium (Debian `chromium`, driven by
 * playwright-core, which downloads no browser) against three `ringkv start`
 * processes with an auth token: the page asks for the token, the members
 * appear, the charts move while a load runs, the key inspector shows two
 * siblings after two concurrent writes, and a node killed by the test turns
 * down on the page.
 *
 * Needs dist/ (the root test command runs `tsc -b` first); builds the page
 * itself (apps/dashboard/scripts/build-ui.mjs, esbuild). Skipped, by name,
 * when no Chromium is installed (`apt-get install chromium`, as .ci/run does).
 * `DASHBOARD_SCREENSHOT=path.png` saves a screenshot of the page under load.
 * No duration is asserted; every wait is bounded.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { connect, type RingkvClient } from '@ringkv/client-sdk';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processRun, type NodeProcess } from './support/processes.js';

/** The Chromium the test drives: $CHROMIUM_PATH, else Debian's. */
const chromiumPath = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const haveChromium = existsSync(chromiumPath);
const buildUi = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'dashboard', 'scripts', 'build-ui.mjs');
const token = 'dashboard-test-token';
const common = ['--n', '3', '--r', '2', '--w', '2', '--auth-token', token, '--cluster-secret', 'dashboard-test-secret'];
/** Bounds of the waits on the page (ms): gossip marks a killed node down within tens of seconds by default. */
const pageWaitMs = 30_000;
const downWaitMs = 90_000;

/** Polls an attribute of the page until `ok` accepts it, at most `pageWaitMs` (the page's policy forbids evaluating strings in it). */
async function untilAttribute(page: Page, selector: string, name: string, ok: (value: string | null) => boolean, limitMs = pageWaitMs): Promise<void> {
  const deadline = Date.now() + limitMs;
  let value: string | null = null;
  while (!ok((value = await page.locator(selector).getAttribute(name)))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${selector} ${name}; last ${String(value)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const title = haveChromium
  ? 'dashboard in headless Chromium'
  : `dashboard in headless Chromium (skipped: no Chromium at ${chromiumPath}; apt-get install chromium, or set CHROMIUM_PATH)`;

describe.skipIf(!haveChromium)(title, () => {
  const processes = processRun('ringkv-dashboard-');
  let nodes: NodeProcess[] = [];
  let browser: Browser;
  let page: Page;
  let client: RingkvClient;

  beforeAll(async () => {
    await promisify(execFile)(process.execPath, [buildUi]);
    const first = await processes.start('node1', common);
    nodes = [first, ...(await Promise.all(['node2', 'node3'].map((id) => processes.start(id, [...common, '--seeds', first.url]))))];
    client = await connect(nodes.map((n) => n.url), { authToken: token });
    browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
    page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  }, 120_000);

  afterAll(async () => {
    await client?.close();
    await browser?.close();
  });

  it('asks for the token, keeps it in the tab only, then lists every member as normal', async () => {
    await page.goto(`${nodes[0]!.http}/`);
    await page.locator('#token-input').waitFor({ state: 'visible', timeout: pageWaitMs });
    await page.fill('#token-input', token);
    await page.click('#token-form button');
    for (const id of ['node1', 'node2', 'node3']) {
      await page.locator(`tr[data-member="${id}"][data-status="normal"]`).waitFor({ timeout: pageWaitMs });
    }
    // Expressions run in the page (strings: this file is typechecked without the DOM library).
    expect(await page.evaluate("[sessionStorage.getItem('ringkv.dashboard.token'), localStorage.length, document.cookie]")).toEqual([token, 0, '']);
    expect(Number(await page.locator('#ring').getAttribute('data-vnodes'))).toBe(3 * 64);
    for (const id of ['node1', 'node2', 'node3']) {
      expect(await page.locator(`#progress tr[data-node="${id}"]`).innerText()).toMatch(/passes.*none.*runs/s);
    }
  });

  it('moves the ops/s chart while a load runs', { timeout: 120_000 }, async () => {
    let running = true;
    let written = 0;
    const load = (async () => {
      for (let i = 0; running; i++) {
        await Promise.all(Array.from({ length: 8 }, (_, j) => client.put(`load-${i}-${j}`, `v${i}`).then(() => written++, () => {})));
      }
    })();
    try {
      await untilAttribute(page, '#chart-ops', 'data-last', (v) => Number(v) > 0);
      await untilAttribute(page, '#chart-p99', 'data-last', (v) => Number(v) > 0);
      const shot = process.env['DASHBOARD_SCREENSHOT'];
      if (shot !== undefined) {
        // For the README: lines with some history, and an inspected key of the load.
        await untilAttribute(page, '#chart-ops', 'data-points', (v) => Number(v) >= 20, 60_000);
        await page.fill('#key-input', 'load-1-1');
        await page.click('#key-form button');
        await page.locator('.read[data-read-siblings]').waitFor({ timeout: pageWaitMs });
        await page.screenshot({ path: shot, fullPage: true });
      }
    } finally {
      running = false;
      await load;
    }
    expect(written).toBeGreaterThan(0);
  });

  it('shows two siblings in the key inspector after two concurrent writes', async () => {
    // Two writes without a context are concurrent: neither saw the other.
    await Promise.all([client.put('twin', 'left'), client.put('twin', 'right')]);
    await page.fill('#key-input', 'twin');
    await page.click('#key-form button');
    await page.locator('.read[data-read-siblings="2"]').waitFor({ timeout: pageWaitMs });
    await page.locator('.replica[data-siblings="2"]').first().waitFor({ timeout: pageWaitMs });
    const text = await page.locator('#key-result').innerText();
    expect(text).toContain('left');
    expect(text).toContain('right');
    expect(text).toContain('receipt: coordinator');
  });

  it('shows the plan of a join before it runs', async () => {
    await page.selectOption('#plan-op', 'join');
    await page.fill('#plan-id', 'node4');
    await page.click('#plan-form button');
    await page.locator('[data-plan-moves]').waitFor({ timeout: pageWaitMs });
    expect(Number(await page.locator('[data-plan-moves]').getAttribute('data-plan-moves'))).toBeGreaterThan(0);
  });

  it('turns a node killed by the test down on the page', async () => {
    nodes[2]!.proc.kill('SIGKILL');
    await nodes[2]!.exited;
    await page.locator('tr[data-member="node3"][data-status="down"]').waitFor({ timeout: downWaitMs });
    await page.locator('tr[data-member="node1"][data-status="normal"]').waitFor({ timeout: pageWaitMs });
  }, downWaitMs + 10_000);
});
