/**
 * The issue-18 campaigns of `pnpm sim`: `--ttl` (expiry under skewed
 * clocks, ttl-run.ts) and `--conditions` (conditional writes under faults,
 * conditional-run.ts). Each prints one line per profile (or per skew) and
 * returns the seeds that broke a rule.
 */
import { formatConditionRates, runConditionalSeed, zeroConditionCounts, type ConditionCounts } from './conditional-run.js';
import type { Turn } from './cluster.js';
import { profileNames } from './nemesis.js';
import { runTtlSeed, ttlFailureSummary } from './ttl-run.js';

/** What a campaign of either kind runs. */
export interface Issue18CampaignOptions {
  readonly seeds: number;
  readonly firstSeed: number;
  readonly turn: Turn;
  /** `--conditions`: one profile (default: `none` and every profile in turn). */
  readonly profile?: string;
  readonly nodes?: number;
  readonly write: (line: string) => void;
}

/** `--ttl`: seeds with skews of 1 s and 5 s; prints the counts; resolves with the failing seeds. */
export async function ttlCampaign(o: Issue18CampaignOptions): Promise<number[]> {
  const failing: number[] = [];
  for (const skewMs of [1_000, 5_000]) {
    let reads = 0;
    let late = 0;
    let early = 0;
    let collected = 0;
    let acked = 0;
    for (let seed = o.firstSeed; seed < o.firstSeed + o.seeds; seed++) {
      const r = await runTtlSeed({ seed, turn: o.turn, skewMs, ...(o.nodes === undefined ? {} : { nodes: o.nodes }) });
      reads += r.reads;
      late += r.lateBySkew;
      early += r.earlyBySkew;
      collected += r.collected;
      acked += r.acked;
      if (r.anomalies.length > 0) {
        failing.push(seed);
        o.write(ttlFailureSummary(r));
      }
    }
    o.write(`skew ±${skewMs} ms: ${o.seeds} seeds, ${acked} ttl puts acknowledged, ${reads} reads (${late} saw a value after its nominal ttl, ${early} missed one before it, both by skew), ${collected} expired keys collected, ${failing.length} failing seeds`);
  }
  return failing;
}

/** `--conditions`: per profile, the summed counts and wrongly-granted rates; resolves with the seeds that broke a rule. */
export async function conditionsCampaign(o: Issue18CampaignOptions): Promise<number[]> {
  const failing: number[] = [];
  for (const profile of o.profile === undefined ? ['none', ...profileNames] : [o.profile]) {
    const total: ConditionCounts = zeroConditionCounts();
    for (let seed = o.firstSeed; seed < o.firstSeed + o.seeds; seed++) {
      const r = await runConditionalSeed({ seed, turn: o.turn, profile, ...(o.nodes === undefined ? {} : { nodes: o.nodes }) });
      for (const k of Object.keys(total) as (keyof ConditionCounts)[]) total[k] += r.counts[k];
      if (r.anomalies.length > 0) {
        failing.push(seed);
        o.write(`seed ${seed} profile ${profile}: ${r.anomalies.map((a) => `${a.key}: ${a.detail}`).join('; ')} (replay: SEED=${seed} pnpm sim --conditions --profile ${profile})`);
      }
    }
    o.write(`${profile}: ${o.seeds} seeds, ${formatConditionRates(total)}`);
  }
  return failing;
}
