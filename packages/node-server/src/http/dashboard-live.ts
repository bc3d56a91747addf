/**
 * `GET /dashboard/live`: the dashboard's live stream, as server-sent events.
 * Each event is one `LiveSample` (dashboard-sampler.ts) as JSON on a
 * `data:` line, once per `dashboardSampleIntervalMs`; the first one is the
 * last sample taken, at once, if there is one.
 *
 * Invariants:
 *   1. At most `dashboardStreamsMax` streams are open on a node; one more is
 *      answered 503 `too-many-streams` (the page retries later).
 *   2. A stream unsubscribes when its response closes, whoever closed it,
 *      so a closed tab stops costing samples (sampler invariant 1).
 *   3. A stream ends when the node stops: its sampler stops, and the
 *      server's close drops the socket.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DashboardSampler } from './dashboard-sampler.js';
import { sendError } from './admin.js';
import { dashboardStreamsMax } from './dashboard-limits.js';

/** Opens a live stream on `res` fed by `sampler` (module invariants). */
export function liveStream(sampler: DashboardSampler, req: IncomingMessage, res: ServerResponse): void {
  if (sampler.listenerCount >= dashboardStreamsMax) {
    return sendError(res, 503, 'too-many-streams', `this node serves at most ${dashboardStreamsMax} live dashboard streams; close a tab or use another node`);
  }
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'x-content-type-options': 'nosniff' });
  res.write(': ringkv live samples\n\n');
  const unsubscribe = sampler.subscribe((sample) => res.write(`data: ${JSON.stringify(sample)}\n\n`));
  let closed = false;
  const close = (): void => {
    if (closed) return;
    closed = true;
    unsubscribe();
  };
  req.on('close', close);
  res.on('close', close);
}
