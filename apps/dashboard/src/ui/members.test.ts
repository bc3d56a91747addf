import { describe, expect, it } from 'vitest';
import { placement } from './members.js';

describe('the members table', () => {
  it('shows a member placement as dc / rack / machine, a dash for each label not set, the zone as the rack of older nodes', () => {
    expect(placement({ dc: 'dc1', rack: 'r2', zone: 'r2', machine: 'host-a' })).toBe('dc1 / r2 / host-a');
    expect(placement({ zone: 'z1' })).toBe('— / z1 / —');
    expect(placement({ dc: '', rack: '', zone: '', machine: '' })).toBe('— / — / —');
  });
});
