import { describe, expect, it } from 'vitest';
import { refusal, type Grant } from './grant.js';

const grant = (role: Grant['role'], prefix?: string): Grant => ({ tokenId: 't1', role, prefix: prefix === undefined ? undefined : new TextEncoder().encode(prefix), limiter: undefined });

describe('refusal of a scan', () => {
  it('lets a read token scan, with or without a prefix', () => {
    expect(refusal(grant('read'), { type: 'scan', id: 1 }, 10, 0)).toBeUndefined();
    expect(refusal(grant('read'), { type: 'scan', id: 1, prefix: 'a/' }, 10, 0)).toBeUndefined();
  });

  it('refuses a prefixed token a scan without its prefix, and allows one within it', () => {
    expect(refusal(grant('read', 'app/'), { type: 'scan', id: 1 }, 10, 0)?.code).toBe('forbidden');
    expect(refusal(grant('read', 'app/'), { type: 'scan', id: 1, prefix: 'other/' }, 10, 0)?.code).toBe('forbidden');
    expect(refusal(grant('read', 'app/'), { type: 'scan', id: 1, prefix: 'app' }, 10, 0)?.code).toBe('forbidden');
    expect(refusal(grant('write', 'app/'), { type: 'scan', id: 1, prefix: 'app/users/' }, 10, 0)).toBeUndefined();
  });
});
