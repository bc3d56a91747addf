import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hostnameId, resolveStartConfig, type StartEnvironment } from './config.js';
import { isCliError } from './errors.js';
import { defaultDataRoot, defaultPort, fallbackNodeId } from './limits.js';

function environment(env: Record<string, string> = {}, files: Record<string, string> = {}, hostname = 'box'): StartEnvironment {
  return {
    env,
    hostname,
    readFile: (path) => {
      const text = files[path];
      if (text === undefined) throw new Error(`ENOENT: ${path}`);
      return text;
    },
  };
}

describe('resolveStartConfig', () => {
  it('works with nothing given: id from the hostname, data under .ringkv/<id>, the default port', () => {
    const c = resolveStartConfig({}, environment({}, {}, 'db-7.example.org'));
    expect(c).toMatchObject({ id: 'db-7', host: '127.0.0.1', port: defaultPort, durability: 'interval', logLevel: 'info' });
    expect(c.dataDir).toBe(join(defaultDataRoot, 'db-7'));
  });

  it('takes flags over env over the config file over defaults', () => {
    const files = { '/c.json': JSON.stringify({ id: 'file', port: 1001, durability: 'none', host: '127.0.0.2', authToken: 'ft' }) };
    const env = { RINGKV_CONFIG: '/c.json', RINGKV_PORT: '1002', RINGKV_ID: 'env' };
    const c = resolveStartConfig({ id: 'flag' }, environment(env, files));
    expect(c).toMatchObject({ id: 'flag', port: 1002, durability: 'none', host: '127.0.0.2', authToken: 'ft', configFile: '/c.json' });
    expect(resolveStartConfig({}, environment(env, files)).id).toBe('env');
    expect(resolveStartConfig({}, environment({ RINGKV_CONFIG: '/c.json' }, files)).id).toBe('file');
    expect(resolveStartConfig({ port: '0' }, environment(env, files)).port).toBe(0);
  });

  it('names the source of a bad value', () => {
    const attempts: Array<[() => unknown, RegExp]> = [
      [() => resolveStartConfig({ port: '70000' }, environment()), /--port/],
      [() => resolveStartConfig({}, environment({ RINGKV_DURABILITY: 'often' })), /\$RINGKV_DURABILITY/],
      [() => resolveStartConfig({ config: '/c.json' }, environment({}, { '/c.json': '{"port":"x"}' })), /\/c\.json: port/],
      [() => resolveStartConfig({ config: '/c.json' }, environment({}, { '/c.json': '{"prot":1}' })), /unknown key "prot"/],
      [() => resolveStartConfig({ config: '/c.json' }, environment({}, { '/c.json': '{' })), /not JSON/],
      [() => resolveStartConfig({ config: '/missing.json' }, environment()), /cannot read/],
      [() => resolveStartConfig({ id: 'a b' }, environment()), /id "a b"/],
    ];
    for (const [attempt, pattern] of attempts) {
      try {
        attempt();
        throw new Error(`accepted, expected ${pattern}`);
      } catch (error) {
        expect(isCliError(error), String(error)).toBe(true);
        expect((error as Error).message).toMatch(pattern);
      }
    }
  });

  it('hostnameId falls back to node1 for hostnames that are not ids', () => {
    expect(hostnameId('web1')).toBe('web1');
    expect(hostnameId('')).toBe(fallbackNodeId);
    expect(hostnameId('-weird')).toBe(fallbackNodeId);
  });
});
