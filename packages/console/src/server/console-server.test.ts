/**
 * `sedna console`'s server against the embedded API server as if it were a cluster's: it knows only the API's URL
 * and CA. The multiplexed watch built on the API's own list and watch, the page's API requests passed on with the
 * user's token, tokens the API refuses refused, and Prometheus queries passed on to Debian's real prometheus.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer, type RunningApiServer } from '@sedna/apiserver';
import { startConsoleServer, type RunningConsoleServer } from './console-server.js';

let dir: string;
let api: RunningApiServer;
let consoleServer: RunningConsoleServer;
let prometheus: ChildProcess | undefined;
let base: string;
const PROMETHEUS = '/usr/bin/prometheus';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

function request(path: string, options: { token?: string; method?: string; body?: unknown } = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}${path}`, { method: options.method ?? 'GET', headers: { ...(options.token ? { Authorization: `Bearer ${options.token}` } : {}), ...(options.body ? { 'Content-Type': 'application/json' } : {}) } }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end(options.body ? JSON.stringify(options.body) : undefined);
  });
}

/** Opens the multiplexed watch and collects its lines until `done` says so. */
function watch(resources: string, token: string): { lines: { type: string; resource?: string; object?: { metadata: { name: string } } }[]; until(done: () => boolean, what: string): Promise<void>; close(): void } {
  const lines: { type: string; resource?: string; object?: { metadata: { name: string } } }[] = [];
  const waiters: (() => void)[] = [];
  const req = http.get(`${base}/sedna/console/watch?resources=${resources}`, { headers: { Authorization: `Bearer ${token}` } }, (res) => {
    let buffer = '';
    res.on('data', (c: Buffer) => {
      buffer += c.toString();
      let end: number;
      while ((end = buffer.indexOf('\n')) >= 0) {
        lines.push(JSON.parse(buffer.slice(0, end)));
        buffer = buffer.slice(end + 1);
      }
      for (const w of waiters) w();
    });
  });
  req.on('error', () => undefined);
  return {
    lines,
    until: (done, what) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}: ${JSON.stringify(lines)}`)), 20_000);
        const check = () => {
          if (done()) {
            clearTimeout(timer);
            resolve();
          }
        };
        waiters.push(check);
        check();
      }),
    close: () => req.destroy(),
  };
}

const model = (name: string) => ({ apiVersion: 'sedna.io/v1alpha1', kind: 'Model', metadata: { name }, spec: { url: '/m.onnx', format: 'onnx' } });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'console-server-'));
  api = await startApiServer({ dataDir: join(dir, 'api'), port: 0 });
  let prometheusUrl: URL | undefined;
  if (existsSync(PROMETHEUS)) {
    const port = await freePort();
    writeFileSync(join(dir, 'prometheus.yml'), 'global: {scrape_interval: 5s}\nscrape_configs: []\n');
    prometheus = spawn(PROMETHEUS, [`--config.file=${join(dir, 'prometheus.yml')}`, `--web.listen-address=127.0.0.1:${port}`, `--storage.tsdb.path=${join(dir, 'tsdb')}`], { stdio: 'ignore' });
    prometheusUrl = new URL(`http://127.0.0.1:${port}`);
  }
  // Only where the API is and its CA: no credential of the console's own.
  consoleServer = await startConsoleServer({ upstream: { url: new URL(api.url), ca: api.caPem }, host: '127.0.0.1', port: 0, ...(prometheusUrl ? { prometheus: prometheusUrl } : {}) });
  base = consoleServer.url.replace(/\/console\/$/, '');
}, 60_000);

afterAll(async () => {
  prometheus?.kill();
  await consoleServer?.close();
  await api?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('sedna console beside the API', () => {
  it('refuses a token the API refuses, on its own routes and on those it passes on', async () => {
    expect((await request('/sedna/console/watch?resources=sedna.io/models', { token: 'wrong' })).status).toBe(401);
    expect((await request('/sedna/console/config')).status).toBe(401);
    expect((await request('/apis/sedna.io/v1alpha1/models', { token: 'wrong' })).status).toBe(401);
    expect((await request('/console/')).status).toBe(200);
  });

  it('passes the page\'s API requests on with the user\'s token', async () => {
    const created = await request('/apis/sedna.io/v1alpha1/namespaces/default/models', { token: api.token, method: 'POST', body: model('before') });
    expect(created.status).toBe(201);
    const listed = JSON.parse((await request('/apis/sedna.io/v1alpha1/models', { token: api.token })).body) as { items: { metadata: { name: string } }[] };
    expect(listed.items.map((m) => m.metadata.name)).toEqual(['before']);
  });

  it('multiplexes the API\'s own watches: the state, SYNCED, then every change', async () => {
    const w = watch('sedna.io/models,/pods', api.token);
    await w.until(() => w.lines.some((l) => l.type === 'SYNCED'), 'SYNCED');
    const first = w.lines.filter((l) => l.type === 'ADDED');
    expect(first.map((l) => [l.resource, l.object?.metadata.name])).toEqual([['sedna.io/models', 'before']]);
    expect(first[0]!.object).toMatchObject({ kind: 'Model', apiVersion: 'sedna.io/v1alpha1' });
    await request('/apis/sedna.io/v1alpha1/namespaces/default/models', { token: api.token, method: 'POST', body: model('after') });
    await request('/apis/sedna.io/v1alpha1/namespaces/default/models/before', { token: api.token, method: 'DELETE' });
    await w.until(() => w.lines.some((l) => l.type === 'DELETED' && l.object?.metadata.name === 'before'), 'the deletion');
    expect(w.lines.filter((l) => l.type !== 'HEARTBEAT').map((l) => `${l.type} ${l.object?.metadata.name ?? ''}`.trim())).toEqual(['ADDED before', 'SYNCED', 'ADDED after', 'DELETED before']);
    w.close();
    expect((await request('/sedna/console/watch?resources=/secrets', { token: api.token })).status).toBe(400);
  });

  it.skipIf(!existsSync(PROMETHEUS))('passes chart queries on to Prometheus', async () => {
    expect(JSON.parse((await request('/sedna/console/config', { token: api.token })).body)).toEqual({ prometheus: true });
    const now = Math.floor(Date.now() / 1000);
    const query = `query=${encodeURIComponent('vector(42)')}&start=${now - 60}&end=${now}&step=15`;
    let answer = { status: 0, body: '' };
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      answer = await request(`/sedna/console/prometheus/query_range?${query}`, { token: api.token });
      if (answer.status === 200) break;
      await new Promise((r) => setTimeout(r, 200)); // Prometheus still starting
    }
    const body = JSON.parse(answer.body) as { status: string; data: { result: { values: [number, string][] }[] } };
    expect(body.status).toBe('success');
    expect(body.data.result[0]!.values.at(-1)![1]).toBe('42');
    expect((await request(`/sedna/console/prometheus/query_range?${query}`, { token: 'wrong' })).status).toBe(401);
  });
});
