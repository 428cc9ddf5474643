/** The controller runtime against the embedded API server: caches follow the API, reconciles run per change. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { type RunningApiServer, startApiServer } from '@sedna/apiserver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ControllerManager, watch } from '../src/runtime/index.js';
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

/** A manager with one Dataset controller that records `<key>:<spec.format>` (or `:gone`) for every reconcile. */
function datasetRecorder(spec: Parameters<ControllerManager['add']>[0]) {
  const manager = new ControllerManager(kc, () => undefined, { baseDelayMs: 10 });
  const datasets = manager.informer('Dataset');
  const reconciled: string[] = [];
  manager.add(spec, (cache) => ({
    reconcile: async (key) => {
      const [namespace, name] = key.split('/');
      const obj = cache.get('Dataset', name!, namespace);
      reconciled.push(`${key}:${obj ? obj.spec.format : 'gone'}`);
    },
  }));
  const api = kc.makeApiClient(k8s.CustomObjectsApi);
  const G = { group: 'sedna.io', version: 'v1alpha1', namespace: 'default', plural: 'datasets' };
  return { manager, datasets, reconciled, api, G };
}

describe('controller runtime', () => {
  it('reconciles each changed object from an up-to-date cache', async () => {
    const { manager, datasets, reconciled, api, G } = datasetRecorder({ name: 'test', for: 'Dataset' });
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

  it('skips the updates its forUpdated predicate says do not concern it (a status report), not the others', async () => {
    const { manager, datasets, reconciled, api, G } = datasetRecorder({ name: 'spec-only', for: 'Dataset', forUpdated: (old, obj) => old.metadata.generation !== obj.metadata.generation });
    const mergePatch = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
    await manager.start();
    await api.createNamespacedCustomObject({ ...G, body: { apiVersion: 'sedna.io/v1alpha1', kind: 'Dataset', metadata: { name: 'filtered' }, spec: { url: '/a', format: 'txt', nodeName: 'n' } } });
    await until(() => reconciled.includes('default/filtered:txt'), 'the add');
    await api.patchNamespacedCustomObjectStatus({ ...G, name: 'filtered', body: { status: { numberOfSamples: 3 } } }, mergePatch);
    await until(() => (datasets.get('filtered', 'default')?.['status'] as { numberOfSamples?: number } | undefined)?.numberOfSamples === 3, 'the status in the cache');
    await api.patchNamespacedCustomObject({ ...G, name: 'filtered', body: { spec: { format: 'csv' } } }, mergePatch);
    await until(() => reconciled.includes('default/filtered:csv'), 'the spec update');
    await manager.idle();
    // The status update between them queued nothing: one reconcile for the add, one for the spec change.
    expect(reconciled).toEqual(['default/filtered:txt', 'default/filtered:csv']);
    await api.deleteNamespacedCustomObject({ ...G, name: 'filtered' });
    await until(() => reconciled.includes('default/filtered:gone'), 'the delete');
    await manager.stop();
  });
});

describe('controller builder', () => {
  it('refuses a controller that reads a kind it does not watch', () => {
    const manager = new ControllerManager(kc, () => undefined);
    expect(() => manager.add({ name: 'reads-models', for: 'Dataset' }, (cache) => ({ reconcile: async () => void cache.of('Model') }))).not.toThrow();
    expect(() => manager.add({ name: 'reads-models-early', for: 'Dataset' }, (cache) => (cache.of('Model'), { reconcile: async () => undefined }))).toThrow(/reads Model objects without watching them/);
  });

  it('reconciles nothing before every informer has its first list, then sees owned and watched objects', async () => {
    const api = kc.makeApiClient(k8s.CustomObjectsApi);
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const G = { group: 'sedna.io', version: 'v1alpha1', namespace: 'default', plural: 'datasets' };
    await api.createNamespacedCustomObject({ ...G, body: { apiVersion: 'sedna.io/v1alpha1', kind: 'Dataset', metadata: { name: 'owner' }, spec: { url: '/a', format: 'txt', nodeName: 'n' } } });
    const owner = (await api.getNamespacedCustomObject({ ...G, name: 'owner' })) as { metadata: { uid: string } };
    // Many pods owned by the dataset: the Pod informer's first list takes a while longer than the Dataset one's.
    for (let i = 0; i < 200; i++) {
      await core.createNamespacedPod({
        namespace: 'default',
        body: { metadata: { name: `owned-${i}`, ownerReferences: [{ apiVersion: 'sedna.io/v1alpha1', kind: 'Dataset', name: 'owner', uid: owner.metadata.uid, controller: true }] }, spec: { containers: [{ name: 'c', image: 'i' }] } },
      });
    }
    const manager = new ControllerManager(kc, () => undefined, { baseDelayMs: 10 });
    const seen: number[] = [];
    const modelChanges: string[] = [];
    manager.add({ name: 'counts-pods', for: 'Dataset', owns: ['Pod'], watches: [watch('Model', (m) => (modelChanges.push(m.metadata.name!), ['default/owner']))] }, (cache) => ({
      reconcile: async () => {
        seen.push(cache.list('Pod', 'default').length);
      },
    }));
    await manager.start();
    await manager.idle();
    // Every run saw every pod: none ran on a partly listed Pod cache.
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((n) => n === 200)).toBe(true);
    await manager.stop();
  }, 60_000);
});
