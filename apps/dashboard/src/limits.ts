/**
 * The page's bounds. The node's own bounds (sample interval, streams,
 * preview bytes) are in node-server's `http/dashboard-limits.ts`.
 */

/** Points kept per chart line: two minutes of one-second samples; older points scroll off. */
export const chartPointsMax = 120;

/** Wait before reopening a live stream that ended or failed: short enough to notice a node back, long enough not to spin on one that refuses. */
export const streamRetryMs = 2_000;

/** Members listed in the plan's moves table before "… and k more": a join of a large ring moves hundreds of ranges. */
export const planMovesShownMax = 50;

/** Name of the sessionStorage entry holding the token: kept in this tab only, gone when it closes. */
export const tokenStorageKey = 'ringkv.dashboard.token';
