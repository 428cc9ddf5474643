import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, get, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliCompressSync, brotliDecompressSync, gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consoleRoute } from './index.js';
import { consoleWatchRoute } from './watch-route.js';

function fetchText(port: number, path: string, headers: Record<string, string> = {}): Promise<{ status: number; type: string; encoding: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const raw = Buffer.concat(chunks);
        const encoding = res.headers['content-encoding'];
        const body = (encoding === 'br' ? brotliDecompressSync(raw) : encoding === 'gzip' ? gunzipSync(raw) : raw).toString();
        resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), encoding, body });
      });
    }).on('error', reject);
  });
}

describe('the console route', () => {
  let dir: string;
  let server: Server;
  let port: number;
  let built = true;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'console-assets-'));
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'index.html'), '<html>app</html>');
    writeFileSync(join(dir, 'assets', 'a.js'), 'console.log(1)');
    // The build's compressed copies (scripts/build-web.mjs) of one file.
    writeFileSync(join(dir, 'assets', 'b.js'), 'console.log(2)');
    writeFileSync(join(dir, 'assets', 'b.js.br'), brotliCompressSync('console.log(2)'));
    writeFileSync(join(dir, 'assets', 'b.js.gz'), gzipSync('console.log(2)'));
    writeFileSync(join(tmpdir(), 'console-secret.txt'), 'secret');
    const route = consoleRoute(dir);
    const missing = consoleRoute(join(dir, 'nowhere'));
    server = createServer((req, res) => (built ? route : missing)(req, res, new URL(req.url ?? '/', 'http://x')));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves the build, with index.html for the app routes', async () => {
    expect(await fetchText(port, '/console/assets/a.js')).toMatchObject({ status: 200, type: 'text/javascript; charset=utf-8', body: 'console.log(1)' });
    expect(await fetchText(port, '/console/jobs/incrementallearningjobs/default/x')).toMatchObject({ status: 200, body: '<html>app</html>' });
  });

  it('sends the compressed copy the browser accepts, else the file itself', async () => {
    expect(await fetchText(port, '/console/assets/b.js', { 'Accept-Encoding': 'gzip, deflate, br' })).toMatchObject({ encoding: 'br', body: 'console.log(2)', type: 'text/javascript; charset=utf-8' });
    expect(await fetchText(port, '/console/assets/b.js', { 'Accept-Encoding': 'gzip, br;q=0' })).toMatchObject({ encoding: 'gzip', body: 'console.log(2)' });
    expect(await fetchText(port, '/console/assets/b.js')).toMatchObject({ encoding: undefined, body: 'console.log(2)' });
    expect(await fetchText(port, '/console/assets/a.js', { 'Accept-Encoding': 'br' })).toMatchObject({ encoding: undefined, body: 'console.log(1)' });
  });

  it('never serves a file outside the build folder', async () => {
    for (const path of ['/console/../console-secret.txt', '/console/%2e%2e/console-secret.txt', '/console/..%2fconsole-secret.txt']) {
      const r = await fetchText(port, path);
      expect(r.body).not.toContain('secret');
    }
    expect((await fetchText(port, '/console/%E0%A4%A')).status).toBe(400);
  });

  it('says how to build it when it is not built', async () => {
    built = false;
    const r = await fetchText(port, '/console/');
    built = true;
    expect(r.status).toBe(503);
    expect(r.body).toContain('npm run build');
  });
});

describe('the multiplexed watch route', () => {
  it('sends the state of every resource asked for, SYNCED, then their changes; refuses Secrets and unknown resources', async () => {
    const listeners = new Set<(e: any) => void>();
    const store = {
      list: (resource: string) => (resource === '/nodes' ? [{ json: '{"metadata":{"name":"n1"}}' }] : []),
      subscribe: (l: (e: any) => void) => {
        listeners.add(l);
        return () => listeners.delete(l);
      },
    } as any;
    const route = consoleWatchRoute(store);
    const server = createServer((req, res) => route(req, res, new URL(req.url ?? '/', 'http://x')));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    try {
      expect((await fetchText(port, '/w?resources=/secrets')).status).toBe(400);
      expect((await fetchText(port, '/w?resources=sedna.io/nothings')).status).toBe(400);
      const lines: any[] = [];
      await new Promise<void>((resolve, reject) => {
        const req = get({ host: '127.0.0.1', port, path: '/w?resources=/nodes,sedna.io/datasets' }, (res) => {
          let buffer = '';
          res.on('data', (c: Buffer) => {
            buffer += c.toString();
            const parts = buffer.split('\n');
            buffer = parts.pop()!;
            for (const p of parts) {
              lines.push(JSON.parse(p));
              if (lines.at(-1).type === 'SYNCED') for (const l of listeners) {
                l({ resource: '/pods', type: 'ADDED', json: '{"metadata":{"name":"p"}}' });
                l({ resource: 'sedna.io/datasets', type: 'ADDED', json: '{"metadata":{"name":"d"}}' });
              }
              if (lines.length === 3) {
                req.destroy();
                resolve();
              }
            }
          });
        });
        req.on('error', reject);
      });
      expect(lines).toEqual([
        { resource: '/nodes', type: 'ADDED', object: { metadata: { name: 'n1' } } },
        { type: 'SYNCED' },
        { resource: 'sedna.io/datasets', type: 'ADDED', object: { metadata: { name: 'd' } } },
      ]);
      // The closed stream unsubscribed.
      await expect.poll(() => listeners.size).toBe(0);
    } finally {
      server.close();
    }
  });
});
