import { describe, expect, it } from 'vitest';
import { flagNames } from './start.js';

describe('flagNames', () => {
  it('names flags instead of option fields in node errors', () => {
    expect(flagNames('host 0.0.0.0 is public: set authToken, or allowInsecurePublicBind: true to serve without one')).toBe(
      'host 0.0.0.0 is public: set --auth-token, or --allow-insecure-public-bind to serve without one',
    );
    expect(flagNames('dataDir /x is locked; valueBytesMax too large')).toBe('--data /x is locked; --value-bytes-max too large');
  });

  it('names the flags of the node\'s tombstone check', () => {
    expect(flagNames('option tombstoneGraceMs (5) must be at least hintTtlMs (10800000): a hint may replay a deleted value')).toBe(
      'option --tombstone-grace-ms (5) must be at least --hint-ttl-ms (10800000): a hint may replay a deleted value',
    );
  });
});
