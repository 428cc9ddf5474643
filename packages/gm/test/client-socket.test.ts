/**
 * The GM's KubeClient over the embedded API server's local Unix socket: the same API as over HTTPS, the token
 * still required, the socket open to its owner only.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { type RunningApiServer, startApiServer } from '@sedna/apiserver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeClient } from '../src/runtime/client.js';

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
