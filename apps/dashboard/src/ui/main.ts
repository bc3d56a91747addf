/**
 * The dashboard page: opens the live stream of the node that served it and
 * redraws the panels from each sample; runs the key inspector and the plan
 * on demand; asks for the token when the node answers 401.
 *
 * Invariants:
 *   1. One live stream at a time; when it ends it is reopened after
 *      `streamRetryMs`, except after a 401, where it waits for the token.
 *   2. The page never shows a figure older than the last sample as current:
 *      while the stream is down, the banner says since when.
 */
import 'uplot/dist/uPlot.min.css';
import './style.css';
import { isDashboardError } from '../errors.js';
import { streamRetryMs } from '../limits.js';
import { readLive, setToken, token } from './api.js';
import { renderCharts, resizeCharts, type ChartSpec } from './charts.js';
import { byId, replace } from './dom.js';
import { inspect, showPlan } from './inspector.js';
import { renderMembers } from './members.js';
import { renderProgress } from './progress.js';
import { renderRing } from './ring.js';
import { renderSummary } from './summary.js';
import type { LiveSample } from '../contract.js';

const charts: ChartSpec[] = [
  { el: byId('chart-ops'), title: 'ops/s', unit: 'ops/s', pick: (n) => (n.reachable ? n.opsPerSec : undefined) },
  { el: byId('chart-p99'), title: 'p99 latency', unit: 'ms', pick: (n) => (n.reachable ? n.p99Ms : undefined) },
  { el: byId('chart-p50'), title: 'p50 latency', unit: 'ms', pick: (n) => (n.reachable ? n.p50Ms : undefined) },
  { el: byId('chart-errors'), title: 'errors/s', unit: 'errors/s', pick: (n) => (n.reachable ? n.errorsPerSec : undefined) },
];

const banner = byId('banner');
const tokenForm = byId<HTMLFormElement>('token-form');
let lastSample: LiveSample | undefined;
let liveRunning = false;

function showBanner(text: string, kind: 'ok' | 'warn' | 'error'): void {
  banner.className = `banner ${kind}`;
  replace(banner, text);
}

function askToken(): void {
  tokenForm.hidden = false;
  showBanner(token() === undefined ? 'This node has an auth token: enter it to see the cluster.' : 'The token was refused: enter the node token again.', 'warn');
  byId<HTMLInputElement>('token-input').focus();
}

/** Passed to on-demand panels: a 401 there asks for the token too. */
function onError(error: unknown): void {
  if (isDashboardError(error) && error.code === 'unauthorized') askToken();
}

function render(sample: LiveSample): void {
  lastSample = sample;
  replace(byId('self'), `served by ${sample.self} · ring v${sample.ring.version} · N=${sample.cluster?.settings?.n ?? '—'} R=${sample.cluster?.settings?.r ?? '—'} W=${sample.cluster?.settings?.w ?? '—'} (${sample.cluster?.settings?.mode ?? '—'})`);
  showBanner(`live · ${new Date(sample.atMs).toLocaleTimeString()}`, 'ok');
  renderRing(byId('ring'), byId('ring-legend'), sample);
  renderSummary(byId('summary'), sample);
  renderMembers(byId('members'), sample);
  renderCharts(charts, sample);
  renderProgress(byId('progress'), sample);
}

async function live(): Promise<void> {
  liveRunning = true;
  for (;;) {
    const abort = new AbortController();
    try {
      await readLive(render, abort.signal);
    } catch (error) {
      abort.abort();
      if (isDashboardError(error) && error.code === 'unauthorized') {
        liveRunning = false;
        return askToken();
      }
      const since = lastSample === undefined ? '' : ` (last sample ${new Date(lastSample.atMs).toLocaleTimeString()})`;
      showBanner(`${(error as Error).message}; retrying${since}`, 'error');
    }
    await new Promise((resolve) => setTimeout(resolve, streamRetryMs));
  }
}

tokenForm.addEventListener('submit', (event) => {
  event.preventDefault();
  setToken(byId<HTMLInputElement>('token-input').value);
  byId<HTMLInputElement>('token-input').value = '';
  tokenForm.hidden = true;
  if (!liveRunning) void live();
});

byId<HTMLFormElement>('key-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const key = byId<HTMLInputElement>('key-input').value;
  if (key !== '') void inspect(byId('key-result'), key, byId<HTMLInputElement>('key-hex').checked, onError);
});

byId<HTMLFormElement>('plan-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const params = new URLSearchParams();
  const op = byId<HTMLSelectElement>('plan-op').value;
  params.set('op', op);
  params.set('id', byId<HTMLInputElement>('plan-id').value);
  for (const name of ['vnodes', 'weight', 'zone']) {
    const value = byId<HTMLInputElement>(`plan-${name}`).value;
    if (value !== '' && op === 'join') params.set(name, value);
  }
  void showPlan(byId('plan-result'), params, onError);
});

window.addEventListener('resize', () => resizeCharts(charts));
showBanner('connecting…', 'warn');
void live();
