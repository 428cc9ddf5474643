/**
 * Durability: the API server process is killed with SIGKILL right after its last answer; restarted on the same
 * data dir, it has lost no object, and a watch resumed from the last resourceVersion a client saw receives every
 * change it missed, in order.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureBuilt, repoRoot, tempDir, waitFor } from './harness.js';

const G = { group: 'sedna.io', version: 'v1alpha1', namespace: 'default', plural: 'datasets' };
const dataDir = tempDir('sedna-restart-');
let child: ChildProcess | undefined;

function startChild(port: number): Promise<{ port: number }> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [join(repoRoot, 'packages/apiserver/dist/main.js'), '--data-dir', dataDir, '--port', String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    let out = '';
    proc.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /listening on https:\/\/127\.0\.0\.1:(\d+)/.exec(out);
      if (m) resolve({ port: Number(m[1]) });
    });
    proc.stderr!.on('data', (c: Buffer) => process.stderr.write(c));
    proc.on('exit', (code) => reject(new Error(`apiserver exited with ${code}: ${out}`)));
  });
}

function killChild(): Promise<void> {
  const proc = child;
  child = undefined;
  if (!proc || proc.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    proc.removeAllListeners('exit');
    proc.on('exit', () => resolve());
    proc.kill('SIGKILL');
  });
}

afterAll(async () => {
  await killChild();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('restart after SIGKILL', () => {
  it('loses no object and resumes a watch with every missed change in order', async () => {
    ensureBuilt();
    const { port } = await startChild(0);
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(join(dataDir, 'kubeconfig'));
    const api = kc.makeApiClient(k8s.CustomObjectsApi);
    const body = (name: string) => ({ apiVersion: 'sedna.io/v1alpha1', kind: 'Dataset', metadata: { name }, spec: { url: `/d/${name}.txt`, format: 'txt', nodeName: 'edge' } });

    const seen: string[] = [];
    let lastRv = '';
    const watcher = await new k8s.Watch(kc).watch('/apis/sedna.io/v1alpha1/namespaces/default/datasets', {}, (type, obj: { metadata: { name: string; resourceVersion: string } }) => {
      seen.push(`${type} ${obj.metadata.name}`);
      lastRv = obj.metadata.resourceVersion;
    }, () => undefined);
    for (let i = 0; i < 10; i++) await api.createNamespacedCustomObject({ ...G, body: body(`before-${i}`) });
    await waitFor('the watch to see 10 objects', () => (seen.length === 10 ? true : undefined));
    watcher.abort();

    // Changes the watcher misses, then a kill right after the last answer.
    const merge = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
    const missed: string[] = [];
    for (let i = 0; i < 5; i++) {
      await api.createNamespacedCustomObject({ ...G, body: body(`after-${i}`) });
      missed.push(`ADDED after-${i}`);
    }
    await api.patchNamespacedCustomObject({ ...G, name: 'before-3', body: { spec: { format: 'csv' } } }, merge);
    missed.push('MODIFIED before-3');
    await api.deleteNamespacedCustomObject({ ...G, name: 'before-7' });
    missed.push('DELETED before-7');
    await api.patchNamespacedCustomObjectStatus({ ...G, name: 'after-4', body: { status: { numberOfSamples: 77 } } }, merge);
    missed.push('MODIFIED after-4');
    await killChild();

    await startChild(port);
    const api2 = kc.makeApiClient(k8s.CustomObjectsApi);
    const list = (await waitFor('the restarted server', () => api2.listNamespacedCustomObject(G))) as { items: { metadata: { name: string }; spec: { format: string }; status?: { numberOfSamples: number } }[] };
    const names = list.items.map((i) => i.metadata.name).sort();
    expect(names).toEqual([...Array.from({ length: 10 }, (_, i) => `before-${i}`).filter((n) => n !== 'before-7'), ...Array.from({ length: 5 }, (_, i) => `after-${i}`)].sort());
    expect(list.items.find((i) => i.metadata.name === 'before-3')!.spec.format).toBe('csv');
    expect(list.items.find((i) => i.metadata.name === 'after-4')!.status!.numberOfSamples).toBe(77);

    const resumed: string[] = [];
    const w2 = await new k8s.Watch(kc).watch('/apis/sedna.io/v1alpha1/namespaces/default/datasets', { resourceVersion: lastRv }, (type, obj: { metadata: { name: string } }) => {
      resumed.push(`${type} ${obj.metadata.name}`);
    }, () => undefined);
    await waitFor('the missed changes', () => (resumed.length >= missed.length ? true : undefined));
    w2.abort();
    expect(resumed).toEqual(missed);
  });
});
