/**
 * The bounds of the dashboard's endpoints (dashboard-routes.ts), kept beside
 * them like topology's and anti-entropy's.
 */

/** Time between two samples of the live stream: fast enough that a chart moves while a load runs, slow enough that sampling every member costs nothing. */
export const dashboardSampleIntervalMs = 1_000;

/** Deadline of one fetch of a member's `/status` or `/metrics` by the sampler: under the interval, so a stopped (SIGSTOP) member never delays the next sample. */
export const dashboardFetchTimeoutMs = 800;

/** Bytes read from one member's `/status` or `/metrics`; a larger answer counts as that member's error (a node's /metrics is a few tens of KiB). */
export const dashboardFetchBytesMax = 4 * 1024 * 1024;

/** Members sampled per tick: ringkv clusters are far smaller; a larger ring shows its first members only, so a tick stays a bounded number of fetches. */
export const dashboardMembersSampledMax = 64;

/** Live streams one node serves at once (open browser tabs): each costs a socket and a write per sample. One more is answered 503. */
export const dashboardStreamsMax = 16;

/** Bytes of a value shown per sibling by the key inspector; the rest is counted, not sent (a value may be 16 MiB). */
export const inspectorValuePreviewBytes = 512;

/** Largest MessagePack value the key inspector decodes to show it as JSON; a larger one is shown as hex (decoding 16 MiB to show 512 bytes would be waste). */
export const inspectorDecodeBytesMax = 64 * 1024;

/** Deadline of the key inspector's calls (each replica's fetch, then the read at R = all). */
export const inspectorTimeoutMs = 5_000;

/** Bytes of one static asset the node serves; the built page is far smaller, so a larger file is a wrong assets directory. */
export const dashboardAssetBytesMax = 8 * 1024 * 1024;
