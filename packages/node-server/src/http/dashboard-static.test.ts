import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assetOf, serveAsset } from './dashboard-static.js';

describe('dashboard static files', () => {
  it('assetOf maps / to the page and /ui/<plain name> to a file, and nothing else', () => {
    expect(assetOf('/')).toBe('index.html');
    expect(assetOf('/index.html')).toBe('index.html');
    expect(assetOf('/ui/app.js')).toBe('app.js');
    expect(assetOf('/ui/app.css')).toBe('app.css');
    for (const path of ['/ui/../package.json', '/ui/..%2fpackage.json', '/ui/.env.js', '/ui/a/b.js', '/ui/', '/ui/app.ts', '/ui/app.js.map', '/status', '/uix/app.js']) {
      expect(assetOf(path), path).toBeUndefined();
    }
  });

  describe('serveAsset', () => {
    let dir: string;
    let server: Server;
    let base: string;
    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'ringkv-assets-'));
      writeFileSync(join(dir, 'index.html'), '<!doctype html><title>t</title>');
      server = createServer((req, res) => {
        const name = assetOf(req.url ?? '/');
        if (name === undefined) return void res.writeHead(404).end();
        void serveAsset(res, name, req.method === 'HEAD', dir);
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(() => {
      server.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('answers a file with its type, no caching, and a policy that keeps the page to its own node', async () => {
      const res = await fetch(`${base}/`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(res.headers.get('cache-control')).toBe('no-cache');
      expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(await res.text()).toContain('<title>t</title>');
    });

    it('answers a missing file 404 as JSON', async () => {
      const res = await fetch(`${base}/ui/app.js`);
      expect(res.status).toBe(404);
      expect(await res.json()).toMatchObject({ error: { code: 'no-route' } });
    });
  });
});
