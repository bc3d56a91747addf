import { describe, expect, it } from 'vitest';
import { agreeSettings, checkRecord, mismatchMessage, parseSettingsLine, settingsLine, type AgreedSettings, type AgreedSettingName, type SettingsRecord } from './agreement.js';

const defaults: AgreedSettings = { n: 3, replicas: '3', r: 2, w: 2, mode: 'sloppy', readRepair: 'local', hintTtlMs: 10_800_000, tombstoneGraceMs: 864_000_000, antiEntropyBucketsLog2: 16 };
const cluster: SettingsRecord = { values: { ...defaults, n: 5, replicas: '5', r: 3, w: 3 }, origin: 'n1', foundedAtMs: 1_000 };
const candidate = (values: Partial<AgreedSettings>, explicit: AgreedSettingName[]) => ({ values: { ...defaults, ...values }, explicit: new Set(explicit) });

describe('agreeSettings', () => {
  it('founds the record from its own values when there is no persisted record and no seed holds one', () => {
    const a = agreeSettings(candidate({}, []), {}, 'n1', 42);
    expect(a).toEqual({ ok: true, source: 'founded', record: { values: defaults, origin: 'n1', foundedAtMs: 42 } });
  });

  it('adopts the record of a seed over defaulted values', () => {
    const a = agreeSettings(candidate({}, []), { fromSeed: cluster }, 'n2', 42);
    expect(a).toEqual({ ok: true, source: 'seed', record: cluster });
  });

  it('runs with the persisted record even when a seed answered another', () => {
    const other = { ...cluster, values: defaults, origin: 'x' };
    expect(agreeSettings(candidate({}, []), { persisted: cluster, fromSeed: other }, 'n2', 42)).toMatchObject({ ok: true, source: 'persisted', record: cluster });
  });

  it('accepts explicit values equal to the cluster record', () => {
    expect(agreeSettings(candidate({ n: 5, r: 3 }, ['n', 'r']), { fromSeed: cluster }, 'n2', 42)).toMatchObject({ ok: true, source: 'seed' });
  });

  it('refuses an explicit value that differs from the record, naming the setting and both values', () => {
    const a = agreeSettings(candidate({ n: 3, mode: 'strict' }, ['n', 'mode']), { fromSeed: cluster }, 'n4', 42);
    expect(a.ok).toBe(false);
    if (a.ok) return;
    expect(a.differences).toEqual([{ name: 'n', ours: 3, cluster: 5 }, { name: 'mode', ours: 'strict', cluster: 'sloppy' }]);
    expect(mismatchMessage(a, '/d')).toMatch(/setting n is 3 here but 5 in the cluster; setting mode is strict here but sloppy in the cluster \(the cluster's, founded by n1\)/);
  });

  it('never lets a defaulted value conflict, however it differs', () => {
    expect(agreeSettings(candidate({ w: 1, hintTtlMs: 1_000 }, []), { persisted: cluster }, 'n1', 42)).toMatchObject({ ok: true, record: cluster });
  });

  it('refuses a restart whose explicit value differs from the persisted record, saying the data directory agreed it', () => {
    const a = agreeSettings(candidate({ antiEntropyBucketsLog2: 10 }, ['antiEntropyBucketsLog2']), { persisted: cluster }, 'n1', 42);
    expect(a.ok).toBe(false);
    if (!a.ok) expect(mismatchMessage(a, '/data/n1')).toMatch(/setting antiEntropyBucketsLog2 is 10 here but 16 in the cluster \(agreed when \/data\/n1 first started/);
  });
});

describe('settings records', () => {
  it('refuses an explicit replication map that differs from the cluster\'s, naming both', () => {
    const dcs: SettingsRecord = { values: { ...defaults, n: 5, replicas: 'dc1:3,dc2:2' }, origin: 'n1', foundedAtMs: 1_000 };
    const a = agreeSettings(candidate({ n: 5, replicas: 'dc1:2,dc2:3' }, ['n', 'replicas']), { fromSeed: dcs }, 'n4', 42);
    expect(a.ok).toBe(false);
    if (!a.ok) expect(mismatchMessage(a, '/data')).toMatch(/setting replicas is dc1:2,dc2:3 here but dc1:3,dc2:2 in the cluster/);
    // A plain n given explicitly is one DC: it differs from a map of the same total.
    expect(agreeSettings(candidate({ n: 5 }, ['n', 'replicas']), { fromSeed: dcs }, 'n4', 42).ok).toBe(false);
    // Given nothing, a node adopts the cluster's map.
    expect(agreeSettings(candidate({}, []), { fromSeed: dcs }, 'n4', 42)).toMatchObject({ ok: true, record: dcs });
  });

  it('reads a record or settings line that predates replicas as N replicas in one DC, and leaves N out of a one-DC line', () => {
    const { replicas: _r, ...old } = cluster.values;
    expect(checkRecord({ ...cluster, values: old })?.values.replicas).toBe('5');
    expect(settingsLine(cluster.values)).not.toMatch(/replicas=/);
    expect(parseSettingsLine(settingsLine(cluster.values))).toEqual(cluster.values);
    const dcs = { ...cluster.values, replicas: 'dc1:3,dc2:2' };
    expect(settingsLine(dcs)).toMatch(/replicas=dc1:3,dc2:2/);
    expect(parseSettingsLine(settingsLine(dcs))).toEqual(dcs);
    // A map whose sum is not N is no record.
    expect(checkRecord({ ...cluster, values: { ...cluster.values, replicas: 'dc1:3' } })).toBeUndefined();
  });

  it('reads a record or line that predates readRepair as local, leaves local out of a line, and refuses an explicit global against a local cluster', () => {
    const { readRepair: _rr, ...old } = cluster.values;
    expect(checkRecord({ ...cluster, values: old })?.values.readRepair).toBe('local');
    expect(settingsLine(cluster.values)).not.toMatch(/readRepair=/);
    const global = { ...cluster.values, readRepair: 'global' as const };
    expect(settingsLine(global)).toMatch(/readRepair=global/);
    expect(parseSettingsLine(settingsLine(global))).toEqual(global);
    expect(checkRecord({ ...cluster, values: { ...cluster.values, readRepair: 'everywhere' } })).toBeUndefined();
    const a = agreeSettings(candidate({ n: 5, replicas: '5', r: 3, w: 3, readRepair: 'global' }, ['readRepair']), { fromSeed: cluster }, 'n4', 42);
    expect(a.ok).toBe(false);
    if (!a.ok) expect(mismatchMessage(a, '/data')).toMatch(/setting readRepair is global here but local in the cluster/);
  });

  it('settingsLine and parseSettingsLine round-trip every agreed value', () => {
    expect(parseSettingsLine(settingsLine(cluster.values))).toEqual(cluster.values);
  });

  it('checkRecord refuses records with a missing field, a bad mode or R above N', () => {
    expect(checkRecord(cluster)).toEqual(cluster);
    expect(checkRecord({ ...cluster, origin: 1 })).toBeUndefined();
    expect(checkRecord({ ...cluster, values: { ...cluster.values, mode: 'lax' } })).toBeUndefined();
    expect(checkRecord({ ...cluster, values: { ...cluster.values, r: 6 } })).toBeUndefined();
    expect(checkRecord({ ...cluster, values: { n: 3 } })).toBeUndefined();
    expect(parseSettingsLine('n=3 r=2')).toBeUndefined();
  });
});
