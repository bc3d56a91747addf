/**
 * Every bound of @ringkv/node-server, with its default and why. Units are
 * last in the names. Options that override a default are checked against the
 * `*Limit` bounds here and refused with `invalid-option`.
 */
import { KEY_BYTES_MAX_LIMIT as engineKeyBytesLimit } from '@ringkv/lsm-engine';
import {
  contextBytesMaxDefault,
  frameBytesMaxDefault as protocolFrameBytesMax,
  keyBytesMaxDefault,
  valueBytesMaxDefault as protocolValueBytesMax,
} from '@ringkv/protocol';

/** Bytes the storage key adds before the user key: the prefix byte and the 8-byte ring position (store/keys.ts). */
export const storageKeyOverheadBytes = 9;

/** Bytes a hint key adds before the user key: the prefix byte, XXH64 of the target and the ring position (cluster/hint-store.ts). */
export const hintKeyOverheadBytes = 17;

/** Default `hintTtlMs`: 3 hours of hints for a down replica, after which anti-entropy takes over; the tombstone grace period may not be shorter. */
export const hintTtlMsDefault = 3 * 3_600_000;

/** Longest user key in bytes (UTF-8 for strings): 1 KiB (docs/architecture.md, "Data model"), the protocol's default, advertised in `hello-ok`. */
export const keyBytesMax = keyBytesMaxDefault;

/**
 * Block cache of the node's storage engine. Every get and every put reads the
 * key's stored set first (read-modify-write), so a cache miss costs a block
 * read, checksum and decompression on the request path; the engine's 8 MiB
 * default held under half of a 100,000-key bench data set and the block
 * reads were a fifth of the node's CPU time. 64 MiB keeps a working set of a
 * few hundred thousand small sets in memory at a modest cost.
 */
export const engineBlockCacheBytes = 64 * 1024 * 1024;

/**
 * Memtable size the node opens its engine with. The engine's 4 MiB default
 * (LevelDB's) flushed every ~0.7 s under a 20k puts/s load, so L0 filled,
 * compactions ran back to back on the event loop and every put's read of its
 * key probed several L0 tables. 64 MiB (RocksDB's default write buffer) holds
 * a working set of a few hundred thousand small sets; the price is a longer
 * WAL replay after a crash (at most two memtables' worth of log).
 */
export const engineMemtableBytes = 64 * 1024 * 1024;

/**
 * Longest key the node writes to its engine (the engine's `keyBytesMax`): a
 * hint key of a longest user key. The engine's default 1 KiB would not hold
 * the prefixes, so the node opens it with this bound.
 */
export const engineKeyBytesMax = keyBytesMax + Math.max(storageKeyOverheadBytes, hintKeyOverheadBytes);
if (engineKeyBytesMax > engineKeyBytesLimit) {
  throw new Error(`node-server: bug: engine keys of ${engineKeyBytesMax} bytes exceed the engine's limit ${engineKeyBytesLimit}`);
}

/** Default longest value: 1 MiB (docs/architecture.md, "Data model"); the common case is ≤ 10 KiB. */
export const valueBytesMaxDefault = protocolValueBytesMax;

/**
 * Largest frame, incoming or outgoing (also the WebSocket `maxPayload`). The
 * node raises it above the protocol's 4 MiB default only when `valueBytesMax`
 * needs room: one put of a max-size value must fit, and a get reply must hold
 * a sibling set of at least two max-size values.
 */
export const frameBytesMaxDefault = protocolFrameBytesMax;

/**
 * What a get reply needs besides the sibling values: the envelope, the
 * context (at most `contextBytesMax`) and ~10 bytes of framing per sibling.
 * The stored sibling set is kept below `frameBytesMax − replyOverheadBytes`,
 * so every stored set can always be sent back in one frame.
 */
export const replyOverheadBytes = contextBytesMaxDefault + 16 * 1024;

/** Upper bound on `valueBytesMax`: the engine's own value limit (64 MiB) must hold a set of two such values. */
export const valueBytesMaxLimit = 16 * 1024 * 1024;

/** Most live siblings per key (vclock's default); a write that would exceed it is refused, a covering write always fits. */
export const siblingsMax = 64;

/**
 * Most actors in a stored set's causal context. A single node writes as one
 * actor and a cluster adds one per coordinator, so 128 is far above honest
 * use; it stops a client from growing a key's context with forged contexts.
 */
export const contextEntriesMax = 128;

/**
 * Default requests a connection may have outstanding before it gets
 * `too-many-in-flight`. 4096 admits deep pipelining (a benchmark client with
 * 1,000 in flight). A count does not bound bytes (4096 puts of 1 MiB are
 * 4 GiB): `requestBytesInFlightMax` below does.
 */
export const inFlightPerConnectionMaxDefault = 4096;
export const inFlightPerConnectionMaxLimit = 65_536;

/**
 * Default request bytes (frame bytes of requests read and not yet answered,
 * running or waiting) one connection may hold before the node stops reading
 * it. The request count bound above does not bound memory: 4096 pipelined
 * 1 MiB puts are 4 GiB. 4 MiB keeps a pipelining client busy (four 1 MiB
 * puts share a group commit) and, at a quarter of the node's budget below,
 * leaves the rest to other connections (fairness).
 */
export const requestBytesInFlightMaxDefault = 4 * 1024 * 1024;

/**
 * Default request bytes the whole node runs at once (over all connections);
 * a connection whose next request does not fit is not read until it does.
 * Each request byte costs a few more in memory (the frame, the decoded
 * value, the encoded set, the memtable copy), so 64 MiB bounds that work to
 * a few hundred MiB, and it is about what the engine absorbs in one memtable.
 */
export const nodeRequestBytesInFlightMaxDefault = 64 * 1024 * 1024;

/** Bounds of both options: below one frame pipelining stops; above 16 GiB the bound no longer bounds memory. */
export const requestBytesInFlightMaxMin = 64 * 1024;
export const requestBytesInFlightMaxLimit = 16 * 1024 ** 3;

/**
 * Requests up to this many bytes (a get, a small put) are "small": they may
 * use the node's whole budget, while larger ones leave
 * `nodeRequestBytesSmallShare` of it free, so a flood of large puts cannot
 * hold back other clients' small requests.
 */
export const smallRequestBytesMax = 64 * 1024;

/** Share of the node's request-byte budget only small requests may use (above). */
export const nodeRequestBytesSmallShare = 0.125;

/**
 * L0 tables at which the node counts its storage as behind and starts no
 * large request until it catches up: the engine's own write slowdown
 * trigger (8), so the memtables already full (at most 3) cannot take L0 to
 * its stop trigger (12), where every write, small ones too, would stall.
 */
export const storageBehindL0Tables = 8;

/** Writes queued in the replica store at which the storage counts as behind: more than a few batches wait behind the one in the engine. */
export const storageBehindQueuedWrites = 1_000;

/** How often the node reads the engine's stats to decide whether storage is behind: often enough to react within a batch or two. */
export const storagePressureCheckMs = 20;

/** Default open client connections; past it an upgrade gets HTTP 503. Each costs ~50 KiB (socket buffers, ws state). */
export const connectionsMaxDefault = 10_000;
export const connectionsMaxLimit = 100_000;

/**
 * Extra TCP sockets beyond the bounds below (HTTP requests in progress,
 * upgrades about to be refused with 503). Past `connectionsMax +
 * peerConnectionsMax + anonymousSocketsMax + socketsHeadroom` the socket is
 * dropped at accept, so a connection flood costs no memory; the anonymous
 * bound keeps idle sockets from ever reaching it (server/socket-guard.ts).
 */
export const socketsHeadroom = 64;

/**
 * Default `headersTimeoutMs`: time a new socket (or a keep-alive socket
 * between requests) has to send a complete HTTP request's or upgrade's
 * headers before it is destroyed. An honest client sends them with its
 * first packet; 10 s is generous for a slow link and, with the anonymous
 * bound, costs an idle-socket flood its sockets ten seconds at most
 * (nginx's `client_header_timeout` is 60 s; Redis' `timeout` is off).
 */
export const headersTimeoutMsDefault = 10_000;
export const headersTimeoutMsLimit = 600_000;

/**
 * Default `anonymousSocketsMax`: sockets that have not yet shown who they
 * are (no request headers, or an upgrade without its client or peer hello
 * yet). One more displaces the oldest (server/socket-guard.ts): a flood of
 * idle sockets can no longer take the room of clients, peers or `/health`.
 * 1,024 absorbs a burst of honest connects (a 50-client benchmark, a
 * cluster's peers) with room to spare, at ~50 KiB each.
 */
export const anonymousSocketsMaxDefault = 1_024;
export const anonymousSocketsMaxLimit = 100_000;

/**
 * Default `connectionsPerAddressMax`: sockets one remote address may hold
 * (clients, peers, HTTP). A local dev cluster and its tools all come from
 * 127.0.0.1 (3 nodes' peer links, a 50-connection benchmark, probes), so the
 * default leaves them far below it; behind a proxy or NAT every client shares
 * one address: raise it there. An address at the bound first loses its own
 * oldest anonymous socket, so it never locks itself out with idle sockets.
 */
export const connectionsPerAddressMaxDefault = 1_024;

/**
 * Reply bytes queued on one connection (`bufferedAmount`) before the node
 * stops reading that connection's requests. Replies already in progress still
 * go out, so a connection holds at most this plus its in-flight replies.
 */
export const sendBufferBytesHighDefault = 4 * 1024 * 1024;

/**
 * Reply bytes queued on one connection past which it is terminated at once.
 * Requests already running when the connection paused still reply, so the
 * queue may pass the high mark; this caps it (at least high mark + one frame).
 */
export const sendBufferBytesMaxDefault = 16 * 1024 * 1024;

/** Reading resumes once the queue drains below this: hysteresis so a connection does not flap. */
export const sendBufferLowFraction = 0.25;

/** A connection paused this long (its client stopped reading) is terminated: its buffers are freed. */
export const slowClientTimeoutMsDefault = 30_000;

/** How often a paused connection's queue is checked; paused connections only, so it costs nothing normally. */
export const pausedCheckIntervalMs = 20;

/**
 * Default `frameReadTimeoutMs`: how long a client or peer connection's
 * message may stay incomplete (part of a frame, or of a fragmented message,
 * received) before the connection is destroyed (server/frame-guard.ts). ws
 * holds the partial bytes until the last one arrives, so a sender that stops
 * mid-frame held up to a frame's worth of memory for as long as it liked
 * (issue 15). 30 s carries a 4 MiB frame at 140 KB/s, far below a
 * datacenter link; a slower honest sender raises it.
 */
export const frameReadTimeoutMsDefault = 30_000;
export const frameReadTimeoutMsLimit = 600_000;

/**
 * Default `partialFrameBytesMax`: payload bytes held in incomplete messages
 * across every connection of the node. Past it the connections whose
 * incomplete messages started first are destroyed (server/frame-guard.ts):
 * 250 senders each stopping 17 bytes short of a 4 MiB frame took 1.1 GB
 * (issue 15). 256 MiB holds 64 incomplete frames of the default 4 MiB bound
 * at once (or 8 of the largest frame allowed), more than honest clients keep
 * in transit; it is raised to at least one frame (`frameBytesMax`).
 */
export const partialFrameBytesMaxDefault = 256 * 1024 * 1024;
export const partialFrameBytesMaxLimit = 64 * 1024 ** 3;

/**
 * Largest message a connection may send before its good hello: a client
 * `hello` (a token ≤ 4096 bytes, a name ≤ 256) or a `peer-hello` (a secret
 * ≤ 4096 bytes, an id ≤ 128 characters) fits in far less. A larger frame
 * header before hello destroys the connection before ws buffers its payload,
 * so unauthenticated sockets (at most `anonymousSocketsMax`) hold at most
 * this much each rather than `frameBytesMax`.
 */
export const helloFrameBytesMax = 16 * 1024;

/**
 * After the node closes an authenticated raw TCP client (its error frame
 * sent, its side shut), how long it waits for the client to close before
 * dropping the socket: ws's closing-handshake timeout, so both transports
 * hold a closing client equally long.
 */
export const tcpCloseLingerMs = 30_000;

/**
 * Replies of one turn on a raw TCP connection totalling at most this many
 * bytes are copied into one buffer (one write, no writev); larger ones are
 * written frame by frame without a copy, in one corked write.
 */
export const tcpJoinBytesMax = 64 * 1024;

/** A connection must send a valid hello within this time, or it is closed with `hello-required` (1002). */
export const helloTimeoutMsDefault = 10_000;

/** How long `stop()` waits for in-flight requests before closing connections anyway. */
export const stopDrainTimeoutMsDefault = 10_000;

/**
 * Most writes committed to the engine in one batch (group commit). Larger
 * batches amortise more but hold every requester until the whole batch is
 * durable; 512 keeps one batch's engine record well under the engine's bounds.
 */
export const writeBatchOpsMax = 512;

/** Most value bytes in one engine batch; the batch is one log record assembled in memory. */
export const writeBatchBytesMax = 32 * 1024 * 1024;

/**
 * Writes waiting for the engine across all connections. Bounded by
 * connections × in-flight anyway; this is the backstop (answered `unavailable`).
 */
export const writeQueueMax = 1_000_000;

/** Default fsync interval for durability `interval` (the engine's default). */
export const durabilityIntervalMsDefault = 100;

/** Node ids are vclock actors (≤ 255 bytes); ids are labels, 128 characters is plenty. */
export const nodeIdLengthMax = 128;

/** Auth tokens are compared in constant time; the protocol caps what a client may send at 4096 bytes. */
export const authTokenBytesMax = 4096;

/** Largest `POST /admin/restore` body: one chunk of [key, set] pairs (the CLI sends ≤ 4 MiB chunks). Also the anti-entropy chunk bound's order of magnitude. */
export const restoreChunkBytesMax = 16 * 1024 * 1024;

/** How long a restore chunk's replica applies may take before a replica counts as failed (and gets a hint). */
export const restoreDeadlineMs = 30_000;

/**
 * Longest a connection is not read after a `rate-limited` answer (issue 16, a flood with a
 * rate-limited token): it is held for the answer's `retryAfterMs`, capped here, so a client
 * that ignores `retryAfterMs` waits in its own socket instead of costing the node a refusal per
 * request; a second is enough to bring a flood down to the token's rate and short enough that
 * a client whose bucket refills sooner is never held past it by much.
 */
export const rateHoldMsMax = 1_000;

/** How often a node stats its tokens file for changes: a revoked token's connections close within about this long (issue 16 asks within a second). */
export const tokensFileWatchMs = 250;

/** How often a TLS node polls its certificate, key and CA files for a change (SIGHUP reloads at once): as the tokens file, a renewed certificate is in force within a second. */
export const tlsFilesWatchMs = 250;

/** Period of the event-loop delay sampler (perf_hooks resolution): fine enough to see a 1 ms stall, a timer every 10 ms costs nothing measurable. */
export const eventLoopSampleMs = 10;

/** GC pause histogram bucket bounds in seconds: scavenges take 0.1–2 ms, a full mark-compact of a large heap tens of ms. */
export const gcPauseBucketsSeconds: readonly number[] = Object.freeze([0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25]);

/**
 * Latency histogram bucket bounds in seconds (Prometheus convention), fixed so
 * scrapes aggregate across nodes. Dense below 1 ms, where a node's gets and
 * puts on loopback land (50–500 µs): `histogram_quantile` interpolates inside
 * a bucket, so a p99 is only as fine as the buckets around it.
 */
export const latencyBucketsSeconds: readonly number[] = Object.freeze([
  0.00005, 0.0001, 0.00015, 0.0002, 0.0003, 0.0004, 0.0005, 0.00075, 0.001, 0.0015, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.025, 0.05, 0.1,
  0.25, 0.5, 1, 2.5, 5, 10,
]);

/**
 * Peer calls (apply, fetch, forward) one node may have outstanding to one
 * peer, and a peer connection may run at once. Past it calls fail at once
 * (`unavailable`): a slow peer costs bounded memory, and the coordinator
 * counts the failure and keeps a hint instead of queueing without end.
 */
export const peerInFlightMax = 4096;
/**
 * Granularity of a peer link's deadline sweep (cluster/peer-link.ts): one
 * timer per link, armed for the earliest call deadline rounded up to this,
 * instead of a timer per call. A call times out at most this late; the
 * coordinator's own deadline bounds the request anyway.
 */
export const peerDeadlineSweepMs = 10;

/**
 * Bytes queued on one peer connection (`bufferedAmount`) past which new
 * calls to that peer fail at once and gossip to it is dropped (backpressure);
 * an inbound peer connection is terminated past twice this.
 */
export const peerSendBufferBytesMax = 32 * 1024 * 1024;

/**
 * Estimated bytes of the messages one `peer-batch` frame gathers before it is
 * sent without waiting for the end of the turn (the other bound is the
 * protocol's `peerBatchMessagesMax`). A quarter of the default frame bound,
 * so a batch stays far inside `frameBytesMax`; a message estimated above it
 * travels alone. Capped at a quarter of the codec's own frame bound.
 */
export const peerBatchBytesMax = 1024 * 1024;

/** Frames (gossip or calls) held while a peer connection is being opened; more fail at once. */
export const peerConnectQueueMax = 1024;

/** Reconnect backoff to a peer: first delay, doubling up to the cap (jittered to ½–1×). */
export const peerReconnectMsInitial = 100;
export const peerReconnectMsMax = 5_000;

/** Time to open a peer connection and finish the peer hello; then the attempt counts as failed. */
export const peerConnectTimeoutMs = 3_000;

/**
 * Authenticated inbound peer connections (one per peer and direction in
 * practice; far above any cluster size). Peers that have not sent a good
 * hello yet are anonymous sockets (`anonymousSocketsMax`) and take none of
 * these; a hello past the bound is refused `unavailable`.
 */
export const peerConnectionsMax = 1_024;

/** The path peers dial: their own connections, apart from clients'. */
export const peerPath = '/peer';

/**
 * Cluster defaults: N=3, R=2, W=2 (docs/architecture.md), for a lone first node too (it
 * founds the cluster's settings; while the ring has fewer members than N,
 * keys have one replica per member and the default R/W are capped to that).
 */
export const clusterNDefault = 3;
export const clusterRDefault = 2;
export const clusterWDefault = 2;

/**
 * Finding the cluster's settings at start (cluster/agreement.ts, rule 2):
 * each seed is asked `GET /cluster/settings` with this deadline, in up to
 * `settingsDiscoveryRoundsMax` rounds `settingsDiscoveryRetryMs` apart while
 * no seed answers at all (seeds started at the same moment, as `ringkv dev`
 * does, are not listening yet). A seed that answers without a record, or
 * none after the last round, lets this node found the record: a fresh
 * cluster must not wait for a node that may never come.
 */
export const settingsDiscoveryTimeoutMs = 2_000;
export const settingsDiscoveryRoundsMax = 3;
export const settingsDiscoveryRetryMs = 300;

/** Default deadline of every coordinated request when the client gives none: a request never hangs. */
export const requestTimeoutMsDefault = 5_000;
export const requestTimeoutMsLimit = 60_000;

/** Extra time a forwarding node waits beyond the request's own deadline for the coordinator's answer (one more hop). */
export const forwardSlackMs = 250;

/** Default gossip round (gossip's default); a member silent for 5 rounds is suspected. */
export const gossipIntervalMsDefault = 1_000;
export const suspectRounds = 5;

/** Default virtual nodes per member of weight 1, and the bounds hashring accepts. */
export const vnodesDefault = 64;
export const vnodesLimit = 4_096;
export const weightLimit = 64;

/** Longest data center name (gossip's `dcLengthMax`): a label like `eu-west-1`. */
export const dcLengthMax = 64;

/** Longest rack (zone) name (gossip's `zoneLengthMax`). */
export const rackLengthMax = 64;

/** Longest machine label (gossip's `machineLengthMax`): a host name (RFC 1035: up to 253 characters). */
export const machineLengthMax = 256;

/**
 * Warn lines about refused hellos (peer or client: wrong secret, token or
 * cluster name) per `refusalLogWindowMs`; more are counted and the next
 * written line says how many were dropped. A misconfigured peer still shows
 * up at once, and a flood of bad hellos cannot fill the disk with logs.
 */
export const refusalLogLinesMax = 10;
export const refusalLogWindowMs = 10_000;

/** Cluster secrets are compared in constant time; bounded like auth tokens. */
export const clusterSecretBytesMax = 4096;

/**
 * After the storage engine lost acknowledged writes from its log, anti-entropy
 * passes repair this replica's ranges until one completes with every exchange
 * done; an incomplete pass (a peer down, no peer known yet) is retried after
 * this long, and the replica's copies stay held meanwhile (store/log-loss.ts).
 */
export const logLossRepairRetryMs = 5_000;

/**
 * Writes (keys) one `relay` call carries to a remote DC (cluster/dc-relay.ts):
 * the peer-batch bound, so a relay is never a bigger unit of work for the
 * relay node than a batch of applies would have been.
 */
export const relayEntriesMax = 256;

/** Targets one relayed write names: the most replicas a key has in all (16), so a relay node forwards a bounded fan-out. */
export const relayTargetsMax = 16;

/**
 * Estimated bytes of the writes one relay gathers before it is sent (more
 * start another relay): a quarter of `peerBatchBytesMax`, so a relay of many
 * keys stays small enough that one slow relay delays few writes. A single
 * larger write still travels alone.
 */
export const relayBatchBytesMax = 256 * 1024;

/**
 * Relay bodies at or above this many bytes are lz4-compressed (when that
 * makes them smaller). Measured (README, "Multi-DC writes"): below about
 * 1 KiB a relay holds one or two writes and lz4 saves a few percent of a
 * frame whose headers dominate, for the CPU of a compression on each side.
 */
export const relayCompressBytesMin = 1024;

/**
 * Share of the time a relay was given that the relay node spends on its
 * local applies before it answers: the rest is left for the two WAN
 * crossings, so the answer arrives before the coordinator's deadline
 * whenever the round trip takes less than a quarter of the time left.
 */
export const relayForwardShare = 0.75;
