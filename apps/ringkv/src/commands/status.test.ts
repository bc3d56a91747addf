import { describe, expect, it } from 'vitest';
import { statusText, type ClusterView, type StatusRow } from './status.js';

function row(id: string, placement: string | undefined): StatusRow {
  return { id, url: `ws://h:${id}`, state: 'normal', primaryShare: 0.5, replicaShare: 1, hintsPending: 0, generation: 1, topology: undefined, reach: undefined, placement };
}

function view(rows: StatusRow[], replicas: string): ClusterView {
  return { askedNode: 'a', ringVersion: 7, settings: { n: 2, replicas, r: 1, w: 1, mode: 'sloppy' }, disagreeing: [], rows, unreachable: [] };
}

describe('ringkv status table', () => {
  it('shows each member’s dc/rack/machine and the replication map when the cluster has them', () => {
    const text = statusText(view([row('a', 'dc1/r1/m1'), row('b', 'dc2//m2')], 'dc1:1,dc2:1'));
    expect(text).toMatch(/N=2 \(dc1:1,dc2:1\) R=1 W=1/);
    expect(text).toMatch(/DC\/RACK\/MACHINE/);
    expect(text).toMatch(/^a .*dc1\/r1\/m1$/m);
    expect(text).toMatch(/^b .*dc2\/\/m2$/m);
  });

  it('shows the read-repair setting when the node reports it', () => {
    const v = view([row('a', undefined)], '2');
    expect(statusText({ ...v, settings: { ...v.settings, readRepair: 'global' } })).toMatch(/cluster settings.*read repair global/);
    expect(statusText(v)).not.toMatch(/read repair/);
  });

  it('keeps the table of a cluster without labels as it was', () => {
    const text = statusText(view([row('a', undefined), row('b', undefined)], '2'));
    expect(text).not.toMatch(/DC\/RACK\/MACHINE/);
    expect(text).toMatch(/N=2 R=1 W=1/);
  });
});
