/** The controller runtime against the embedded API server: caches follow the API, reconciles run per change. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { type RunningApiServer, startApiServer } from '@sedna/apiserver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Controller, ControllerManager, self } from '../src/runtime/index.js';
import { waitFor } from '../../../test-kit/index.js';

let server: RunningApiServer;
let dataDir: string;
let kc: k8s.KubeConfig;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'sedna-gm-runtime-'));
  server = await startApiServer({ dataDir });
  kc = new k8s.KubeConfig();
  kc.loadFromFile(server.kubeconfigPath);
});
afterAll(async () => {
  await server.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const until = async (check: () => boolean, what: string): Promise<void> => void (await waitFor(what, check, 10_000, 10));

describe('controller runtime', () => {
  it('reconciles each changed object from an up-to-date cache', async () => {
    const manager = new ControllerManager(kc, () => undefined, { baseDelayMs: 10 });
    const datasets = manager.informer('Dataset');
    const reconciled: string[] = [];
    const controller: Controller = {
      name: 'test',
      watches: () => [{ informer: datasets, map: self }],
      reconcile: async (key) => {
        const [namespace, name] = key.split('/');
        const obj = datasets.get(name!, namespace);
        reconciled.push(`${key}:${obj ? (obj['spec'] as { format: string }).format : 'gone'}`);
      },
    };
    manager.add(controller);
    const api = kc.makeApiClient(k8s.CustomObjectsApi);
    const G = { group: 'sedna.io', version: 'v1alpha1', namespace: 'default', plural: 'datasets' };
    await api.createNamespacedCustomObject({ ...G, body: { apiVersion: 'sedna.io/v1alpha1', kind: 'Dataset', metadata: { name: 'pre' }, spec: { url: '/a', format: 'txt', nodeName: 'n' } } });
    await manager.start();
    await until(() => reconciled.includes('default/pre:txt'), 'the initial list');
    await api.patchNamespacedCustomObject({ ...G, name: 'pre', body: { spec: { format: 'csv' } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
    await until(() => reconciled.includes('default/pre:csv'), 'the update');
    await api.deleteNamespacedCustomObject({ ...G, name: 'pre' });
    await until(() => reconciled.includes('default/pre:gone'), 'the delete');
    expect(datasets.list()).toEqual([]);
    await manager.stop();
  });
});
