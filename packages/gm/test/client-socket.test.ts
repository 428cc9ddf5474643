/**
 * The GM's KubeClient and informers over the embedded API server's local Unix socket: the same API and watch
 * events as over HTTPS, the token still required, the socket open to its owner only.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { type RunningApiServer, startApiServer } from '@sedna/apiserver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeClient } from '../src/runtime/client.js';
import { createInformer } from '../src/runtime/informer.js';
import { SocketWatch } from '../src/runtime/socket-watch.js';
import { waitFor } from '../../../test-kit/index.js';

const until = <T>(what: string, check: () => T | undefined): Promise<T> => waitFor(what, async () => check(), 20_000, 20);

let server: RunningApiServer;
let dataDir: string;
let kc: k8s.KubeConfig;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'sedna-gm-socket-'));
  server = await startApiServer({ dataDir, socketPath: join(dataDir, 'api.sock') });
  kc = new k8s.KubeConfig();
  kc.loadFromFile(server.kubeconfigPath);
});
afterAll(async () => {
  await server.close();
  rmSync(dataDir, { recursive: true, force: true });
});

function unauthenticatedGet(path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    http.get({ socketPath: server.socketPath, path }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    }).on('error', reject);
  });
}

describe('KubeClient over the local socket', () => {
  it('writes and reads what HTTPS clients see, and the socket needs the token', async () => {
    expect(statSync(server.socketPath!).mode & 0o777).toBe(0o600);
    const local = new KubeClient(kc, { socketPath: server.socketPath! });
    const remote = new KubeClient(kc);
    try {
      await local.create('Dataset', 'default', { metadata: { name: 'over-socket' }, spec: { url: '/data/a.txt', format: 'txt', nodeName: 'edge-1' } });
      await local.mergePatch('Dataset', 'default', 'over-socket', { status: { numberOfSamples: 7 } }, 'status');
      const seen = await remote.get('Dataset', 'default', 'over-socket');
      expect(seen['status']).toMatchObject({ numberOfSamples: 7 });
      await expect(local.get('Dataset', 'default', 'missing')).rejects.toMatchObject({ code: 404 });
      expect(await unauthenticatedGet('/api/v1/namespaces')).toBe(401);
    } finally {
      local.close();
      remote.close();
    }
  });
});

describe('informers over the local socket', () => {
  it('list, then see every later change in order, like an informer over HTTPS', async () => {
    const client = new KubeClient(kc, { socketPath: server.socketPath! });
    const target = { apiVersion: 'sedna.io/v1alpha1', kind: 'Dataset', plural: 'datasets' };
    const local = createInformer(kc, target, { apiSocket: server.socketPath! });
    const remote = createInformer(kc, target);
    const heard: string[] = [];
    local.onChange((type, obj) => heard.push(`${type} ${obj.metadata.name} ${String((obj['status'] as { numberOfSamples?: number } | undefined)?.numberOfSamples ?? '-')}`));
    try {
      await client.create('Dataset', 'default', { metadata: { name: 'listed' }, spec: { url: '/data/l.txt', format: 'txt', nodeName: 'edge-1' } });
      local.start();
      remote.start();
      await Promise.all([local.synced(), remote.synced()]);
      await client.create('Dataset', 'default', { metadata: { name: 'watched' }, spec: { url: '/data/w.txt', format: 'txt', nodeName: 'edge-1' } });
      for (let n = 1; n <= 20; n++) await client.mergePatch('Dataset', 'default', 'watched', { status: { numberOfSamples: n } }, 'status');
      await client.delete('Dataset', 'default', 'listed');
      await until('both caches have the last change', () => (local.get('watched', 'default')?.['status'] && !local.get('listed', 'default') && (remote.get('watched', 'default')?.['status'] as { numberOfSamples?: number } | undefined)?.numberOfSamples === 20 ? true : undefined));
      expect((local.get('watched', 'default')?.['status'] as { numberOfSamples: number }).numberOfSamples).toBe(20);
      expect(local.list().map((o) => o.metadata.name)).toEqual(remote.list().map((o) => o.metadata.name));
      expect(heard.filter((h) => h.startsWith('update watched')).map((h) => Number(h.split(' ')[2]))).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
      expect(heard).toContain('delete listed -');
    } finally {
      await local.stop();
      await remote.stop();
      client.close();
    }
  });

  it('reports a refused watch to its done callback with the status code, and stays quiet after an abort', async () => {
    const watch = new SocketWatch(new k8s.KubeConfig(), server.socketPath!); // no token: 401
    const refused = await new Promise<unknown>((resolve) => void watch.watch('/api/v1/namespaces', {}, () => undefined, resolve));
    expect(refused).toMatchObject({ statusCode: 401 });

    const authorized = new SocketWatch(kc, server.socketPath!);
    const events: string[] = [];
    let doneCalls = 0;
    const controller = await authorized.watch('/api/v1/namespaces', {}, (type) => events.push(type), () => doneCalls++);
    await until('the initial events', () => (events.length > 0 ? true : undefined));
    controller.abort();
    await new Promise((r) => setImmediate(r));
    expect(doneCalls).toBe(0);
  });
});
