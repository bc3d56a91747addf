/**
 * Multi-DC figures on a real network (issue 14), as root:
 *
 *   node apps/ringkv/bench/dc-latency.mjs [--ops 400] [--cut-s 60] [--cut-load 4]
 *
 * Builds the network-namespace lab of the multi-DC test (test/support/
 * netns-lab.mjs: machines as namespaces, a 20 ms one-way WAN between two
 * DCs) with one real `ringkv start` per machine, and measures from a client
 * inside DC 1 talking to its own DC's node (one request at a time):
 *
 *   1. one DC of 2 machines, `--replicas dc1:2`: p50/p99 of W = 2 writes and R = 2 reads;
 *   2. two DCs of 2 machines, `--replicas dc1:2,dc2:2`: the same at W = 2 / R = 2
 *      (one DC's replicas satisfy them), and at W = all / R = all (they need
 *      the other DC: about one WAN round trip);
 *      With two DCs it also reports the WAN's IP bytes and packets per write
 *      (test/support/wan-link.py counts them; background gossip included);
 *   3. convergence: the WAN cut for `--cut-s` seconds while both DCs write at
 *      W = 2 (`--cut-load` requests in flight per DC), then healed; the time
 *      from the heal until no node holds a hint and a repair pass on every
 *      node finds no replica pair differing (LabCluster.converge).
 *
 * Prints /proc/loadavg before and after: the figures are only as quiet as
 * the machine. Never part of `pnpm test`. Needs `pnpm build` first.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { LabCluster } from '../test/support/netns-cluster.mjs';
import { labUnavailable, NetLab, wanDelayMs } from '../test/support/netns-lab.mjs';

const { values } = parseArgs({ options: { ops: { type: 'string', default: '400' }, 'cut-s': { type: 'string', default: '60' }, 'cut-load': { type: 'string', default: '4' } } });
const ops = Number(values.ops);
const cutS = Number(values['cut-s']);
const cutLoad = Number(values['cut-load']);
const common = ['--anti-entropy-interval-ms', '0', '--anti-entropy-buckets-log2', '12'];

const loadavg = () => readFileSync('/proc/loadavg', 'utf8').trim();

function pct(ms, p) {
  const s = [...ms].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

function row(label, answer) {
  const fmt = (x) => x.toFixed(2).padStart(8);
  return `| ${label.padEnd(38)} | ${fmt(pct(answer.ms, 50))} | ${fmt(pct(answer.ms, 99))} | ${String(answer.errors.length).padStart(6)} |`;
}

async function withCluster(dcs, replicas, fn) {
  const lab = new NetLab({ dcs, machinesPerDc: 2 });
  let cluster;
  try {
    await lab.build();
    cluster = new LabCluster(lab, { replicas, r: 2, w: 2, extra: common });
    await cluster.startAll();
    const agent = await cluster.agent(1, 1);
    await cluster.waitAllUp(agent);
    return await fn(cluster, agent, lab);
  } finally {
    await cluster?.stop();
    lab.destroy();
  }
}

/** Warms connections up, then runs `ops` sequential writes and reads at the levels; with a WAN, the bytes it carried during the writes. */
async function latencies(agent, tag, w, r, lab) {
  const keys = Array.from({ length: ops }, (_, i) => `${tag}-${i}`);
  await agent.put(keys.slice(0, 50).map((k) => `warm-${k}`), w, 1);
  const before = lab.dcs === 2 ? await lab.wanTraffic() : undefined;
  const put = await agent.put(keys, w, 1);
  const after = lab.dcs === 2 ? await lab.wanTraffic() : undefined;
  const get = await agent.get(keys, r, 1);
  const wan = before === undefined || after === undefined ? undefined : { bytes: (after.bytes - before.bytes) / ops, packets: (after.packets - before.packets) / ops };
  return { put, get, wan };
}

async function main() {
  const why = labUnavailable();
  if (why !== undefined) {
    process.stderr.write(`dc-latency: cannot build the lab: ${why}\n`);
    return 2;
  }
  const before = loadavg();
  const lines = [];
  const oneDc = await withCluster(1, 'dc1:2', (c, a, lab) => latencies(a, 'one-dc', 2, 2, lab));
  lines.push(row('one DC, W = 2', oneDc.put), row('one DC, R = 2', oneDc.get));
  let convergence = '';
  let wanPerWrite = '';
  await withCluster(2, 'dc1:2,dc2:2', async (c, a1, lab) => {
    const local = await latencies(a1, 'two-dc-local', 'local-quorum', 'local-quorum', lab);
    const quorum = await latencies(a1, 'two-dc-quorum', 'quorum', 'quorum', lab);
    const each = await latencies(a1, 'two-dc-each', 'each-quorum', 'each-quorum', lab);
    const perWrite = (label, m) => `${label} ${m.wan.bytes.toFixed(0)} bytes in ${m.wan.packets.toFixed(1)} packets`;
    wanPerWrite = `WAN traffic per write (both ways, IP headers included, keys and values of about 20 bytes, background gossip included): ${[perWrite('local-quorum', local), perWrite('quorum', quorum), perWrite('each-quorum', each)].join('; ')}`;
    lines.push(row('two DCs, W = local-quorum (its DC satisfies it)', local.put), row('two DCs, R = local-quorum', local.get));
    lines.push(row('two DCs, W = quorum (3 of 4: needs the WAN)', quorum.put), row('two DCs, R = quorum', quorum.get));
    lines.push(row('two DCs, W = each-quorum (2 in each DC)', each.put), row('two DCs, R = each-quorum', each.get));
    const a2 = await c.agent(2, 1);
    lab.cut();
    const cutEnds = Date.now() + cutS * 1000;
    const written = { acked: 0, errors: 0 };
    const writer = async (agent, dc) => {
      for (let batch = 0; Date.now() < cutEnds; batch++) {
        const keys = Array.from({ length: cutLoad * 10 }, (_, i) => `cut-${dc}-${batch}-${i}`);
        const answer = await agent.put(keys, 'local-quorum', cutLoad);
        written.acked += answer.acked.length;
        written.errors += answer.errors.length;
      }
    };
    await Promise.all([writer(a1, 'dc1'), writer(a2, 'dc2')]);
    lab.heal();
    const healedAt = Date.now();
    const rounds = await c.converge(a1, 30 * 60_000);
    const seconds = (Date.now() - healedAt) / 1000;
    convergence = `WAN cut for ${cutS} s under load (${written.acked} writes acknowledged at W = local-quorum in the two DCs during the cut, ${written.errors} errors): converged ${seconds.toFixed(1)} s after the heal (hints handed off, then ${rounds} repair round${rounds === 1 ? '' : 's'} of a pass on each of the 4 nodes, the last finding no replica pair differing)`;
  });
  process.stdout.write(
    [
      `dc-latency: ${ops} sequential requests per row from a client in DC 1 to its DC's node; WAN ${wanDelayMs} ms one way; node ${process.version}`,
      `load average before: ${before}`,
      '',
      '| level | p50 ms | p99 ms | errors |',
      '|---|---:|---:|---:|',
      ...lines,
      '',
      wanPerWrite,
      convergence,
      `load average after: ${loadavg()}`,
      '',
    ].join('\n'),
  );
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(`dc-latency: ${error?.stack ?? error}\n`);
    process.exit(1);
  },
);
