import { existsSync } from 'node:fs';
import { join, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import { assetsDir, DashboardError, indexFile, isBuilt, isDashboardError } from './index.js';

describe('@ringkv/dashboard', () => {
  it('assetsDir is the package dist/ui directory, with a trailing separator, built or not', () => {
    const dir = assetsDir();
    expect(dir.endsWith(`${sep}dist${sep}ui${sep}`)).toBe(true);
    expect(isBuilt()).toBe(existsSync(join(dir, indexFile)));
  });

  it('its errors carry a stable code and are recognised by name', () => {
    const error = new DashboardError('unauthorized', 'the node needs its auth token', 401);
    expect(error.message).toBe('dashboard: the node needs its auth token');
    expect(isDashboardError(error)).toBe(true);
    expect(isDashboardError(Object.assign(new Error('x'), { name: 'DashboardError' }))).toBe(true);
    expect(isDashboardError(new Error('x'))).toBe(false);
  });
});
