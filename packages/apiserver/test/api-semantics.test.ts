/**
 * Kubernetes API semantics of the embedded server, exercised over real HTTPS with @kubernetes/client-node 1.4.0
 * (the client the controllers use) and, where a client library would not send it, raw requests.
 */
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest, startTestServer, type TestServer, waitFor } from './harness.js';

const G = { group: 'sedna.io', version: 'v1alpha1' };
let t: TestServer;

function dataset(name: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { apiVersion: 'sedna.io/v1alpha1', kind: 'Dataset', metadata: { name, ...extra }, spec: { url: `/data/${name}.txt`, format: 'txt', nodeName: 'edge-1' } };
}

async function createDataset(name: string, extra: Record<string, unknown> = {}, namespace = 'default'): Promise<Record<string, any>> {
  return (await t.custom.createNamespacedCustomObject({ ...G, namespace, plural: 'datasets', body: dataset(name, extra) })) as Record<string, any>;
}

async function apiError(p: Promise<unknown>): Promise<{ code: number; body: Record<string, any> }> {
  try {
    await p;
  } catch (err) {
    if (err instanceof k8s.ApiException) return { code: err.code, body: JSON.parse(err.body as string) as Record<string, any> };
    throw err;
  }
  throw new Error('expected the request to fail');
}

const merge = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
const jsonPatch = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.JsonPatch);

beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t.stop();
});

describe('create, get, list', () => {
  it('sets uid, creationTimestamp, generation and resourceVersion', async () => {
    const created = await createDataset('ds-basic');
    expect(created.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.metadata.creationTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(created.metadata.generation).toBe(1);
    expect(Number(created.metadata.resourceVersion)).toBeGreaterThan(0);
    const got = (await t.custom.getNamespacedCustomObject({ ...G, namespace: 'default', plural: 'datasets', name: 'ds-basic' })) as Record<string, any>;
    expect(got).toEqual(created);
  });

  it('fills generateName with a random suffix', async () => {
    const a = (await t.core.createNamespacedPod({ namespace: 'default', body: { metadata: { generateName: 'worker-' }, spec: { containers: [{ name: 'main', command: ['true'] }] } } }));
    expect(a.metadata!.name).toMatch(/^worker-[a-z0-9]{5}$/);
    expect(a.status!.phase).toBe('Pending');
  });

  it('answers 409 AlreadyExists and 404 NotFound as Kubernetes Status objects', async () => {
    await createDataset('ds-dup');
    const dup = await apiError(createDataset('ds-dup'));
    expect(dup.code).toBe(409);
    expect(dup.body).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'AlreadyExists', message: 'datasets.sedna.io "ds-dup" already exists' });
    const missing = await apiError(t.custom.getNamespacedCustomObject({ ...G, namespace: 'default', plural: 'datasets', name: 'nope' }));
    expect(missing.code).toBe(404);
    expect(missing.body).toMatchObject({ reason: 'NotFound', details: { name: 'nope', group: 'sedna.io', kind: 'datasets' } });
  });

  it('rejects invalid objects with 422 and a cause per field', async () => {
    const bad = await apiError(
      t.custom.createNamespacedCustomObject({
        ...G,
        namespace: 'default',
        plural: 'incrementallearningjobs',
        body: { apiVersion: 'sedna.io/v1alpha1', kind: 'IncrementalLearningJob', metadata: { name: 'Bad_Name' }, spec: { dataset: { name: 'd', trainProb: 2 }, outputDir: 3 } },
      }),
    );
    expect(bad.code).toBe(422);
    expect(bad.body['reason']).toBe('Invalid');
    const fields = (bad.body['details'].causes as { field: string; reason: string }[]).map((c) => `${c.field}:${c.reason}`);
    expect(fields).toEqual(
      expect.arrayContaining([
        'metadata.name:FieldValueInvalid',
        'spec.dataset.trainProb:FieldValueInvalid',
        'spec.outputDir:FieldValueTypeInvalid',
        'spec.initialModel:FieldValueRequired',
        'spec.trainSpec:FieldValueRequired',
      ]),
    );
  });

  it('accepts a job that names datasets, models and nodes that do not exist yet, as Kubernetes does (its controller reports them)', async () => {
    const body = {
      apiVersion: 'sedna.io/v1alpha1',
      kind: 'JointInferenceService',
      metadata: { name: 'ji-refs' },
      spec: {
        edgeWorker: { model: { name: 'little' }, hardExampleMining: { name: 'IBT' }, template: { spec: { nodeName: 'edge-x', containers: [{ name: 'c' }] } } },
        cloudWorker: { model: { name: 'big' }, template: { spec: { nodeName: 'cloud-x', containers: [{ name: 'c' }] } } },
      },
    };
    const created = (await t.custom.createNamespacedCustomObject({ ...G, namespace: 'default', plural: 'jointinferenceservices', body })) as { metadata: { name: string } };
    expect(created.metadata.name).toBe('ji-refs');
  });

  it('lists by label selector and field selector', async () => {
    await createDataset('sel-a', { labels: { tier: 'edge', app: 'x' } });
    await createDataset('sel-b', { labels: { tier: 'cloud' } });
    await createDataset('sel-c', { labels: { tier: 'edge' } });
    const names = async (labelSelector?: string, fieldSelector?: string): Promise<string[]> => {
      const list = (await t.custom.listNamespacedCustomObject({ ...G, namespace: 'default', plural: 'datasets', ...(labelSelector ? { labelSelector } : {}), ...(fieldSelector ? { fieldSelector } : {}) })) as { items: { metadata: { name: string } }[] };
      return list.items.map((i) => i.metadata.name).filter((n) => n.startsWith('sel-'));
    };
    expect(await names('tier=edge')).toEqual(['sel-a', 'sel-c']);
    expect(await names('tier in (edge,cloud),app')).toEqual(['sel-a']);
    expect(await names('tier!=edge,tier')).toEqual(['sel-b']);
    expect(await names('!app,tier notin (cloud)')).toEqual(['sel-c']);
    expect(await names(undefined, 'metadata.name=sel-b')).toEqual(['sel-b']);
    const pod = await t.core.createNamespacedPod({ namespace: 'default', body: { metadata: { name: 'on-edge-1' }, spec: { nodeName: 'edge-1', containers: [{ name: 'm', command: ['true'] }] } } });
    const onNode = await t.core.listNamespacedPod({ namespace: 'default', fieldSelector: 'spec.nodeName=edge-1' });
    expect(onNode.items.map((p) => p.metadata!.name)).toEqual([pod.metadata!.name]);
    const bad = await rawRequest(t, 'GET', '/api/v1/namespaces/default/pods?fieldSelector=spec.bogus%3Dx');
    expect(bad.status).toBe(400);
    expect(bad.json()['message']).toContain('field label not supported: spec.bogus');
  });

  it('pages long lists with limit and continue', async () => {
    for (let i = 0; i < 5; i++) await createDataset(`page-${i}`, {}, 'kube-public');
    const seen: string[] = [];
    let token: string | undefined;
    do {
      const page = (await t.custom.listNamespacedCustomObject({ ...G, namespace: 'kube-public', plural: 'datasets', limit: 2, ...(token ? { _continue: token } : {}) })) as { items: { metadata: { name: string } }[]; metadata: { continue?: string } };
      seen.push(...page.items.map((i) => i.metadata.name));
      token = page.metadata.continue;
    } while (token);
    expect(seen).toEqual(['page-0', 'page-1', 'page-2', 'page-3', 'page-4']);
  });
});

describe('update and patch', () => {
  it('answers 409 Conflict to an update with a stale resourceVersion', async () => {
    const created = await createDataset('ds-occ');
    const fresh = structuredClone(created);
    fresh.spec.format = 'csv';
    await t.custom.replaceNamespacedCustomObject({ ...G, namespace: 'default', plural: 'datasets', name: 'ds-occ', body: fresh });
    created.spec.url = '/other';
    const stale = await apiError(t.custom.replaceNamespacedCustomObject({ ...G, namespace: 'default', plural: 'datasets', name: 'ds-occ', body: created }));
    expect(stale.code).toBe(409);
    expect(stale.body['reason']).toBe('Conflict');
    expect(stale.body['message']).toContain('the object has been modified');
  });

  it('bumps generation on spec changes only, and keeps status out of main-resource updates', async () => {
    await createDataset('ds-gen');
    const p1 = (await t.custom.patchNamespacedCustomObject({ ...G, namespace: 'default', plural: 'datasets', name: 'ds-gen', body: { spec: { format: 'csv' }, status: { numberOfSamples: 9 } } }, merge)) as Record<string, any>;
    expect(p1.metadata.generation).toBe(2);
    expect(p1.status).toBeUndefined();
    const p2 = (await t.custom.patchNamespacedCustomObject({ ...G, namespace: 'default', plural: 'datasets', name: 'ds-gen', body: { metadata: { labels: { a: 'b' } } } }, merge)) as Record<string, any>;
    expect(p2.metadata.generation).toBe(2);
    const s = (await t.custom.patchNamespacedCustomObjectStatus({ ...G, namespace: 'default', plural: 'datasets', name: 'ds-gen', body: { status: { numberOfSamples: 42 }, spec: { format: 'ignored' } } }, merge)) as Record<string, any>;
    expect(s.status).toEqual({ numberOfSamples: 42 });
    expect(s.spec.format).toBe('csv');
    expect(s.metadata.generation).toBe(2);
  });

  it('applies JSON patches, and refuses a patch that breaks the schema without changing anything', async () => {
    const before = await createDataset('ds-jp');
    const patched = (await t.custom.patchNamespacedCustomObject({ ...G, namespace: 'default', plural: 'datasets', name: 'ds-jp', body: [{ op: 'replace', path: '/spec/url', value: '/new.txt' }, { op: 'add', path: '/metadata/labels', value: { x: 'y' } }] }, jsonPatch)) as Record<string, any>;
    expect(patched.spec.url).toBe('/new.txt');
    expect(patched.metadata.labels).toEqual({ x: 'y' });
    const bad = await apiError(t.custom.patchNamespacedCustomObject({ ...G, namespace: 'default', plural: 'datasets', name: 'ds-jp', body: [{ op: 'remove', path: '/spec/url' }] }, jsonPatch));
    expect(bad.code).toBe(422);
    const after = (await t.custom.getNamespacedCustomObject({ ...G, namespace: 'default', plural: 'datasets', name: 'ds-jp' })) as Record<string, any>;
    expect(after.spec.url).toBe('/new.txt');
    expect(Number(after.metadata.resourceVersion)).toBeGreaterThan(Number(before.metadata.resourceVersion));
  });

  it('does not bump resourceVersion for an update that changes nothing', async () => {
    const created = await createDataset('ds-noop');
    const same = (await t.custom.replaceNamespacedCustomObject({ ...G, namespace: 'default', plural: 'datasets', name: 'ds-noop', body: created })) as Record<string, any>;
    expect(same.metadata.resourceVersion).toBe(created.metadata.resourceVersion);
  });

  it('merges strategic merge patches of core kinds by list keys', async () => {
    await t.core.createNode({ body: { metadata: { name: 'smp-node' }, status: { conditions: [{ type: 'Ready', status: 'False' }, { type: 'DiskPressure', status: 'False' }] } } });
    const patched = await t.core.patchNodeStatus({ name: 'smp-node', body: { status: { conditions: [{ type: 'Ready', status: 'True' }] } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.StrategicMergePatch));
    expect(patched.status!.conditions!.map((c) => `${c.type}=${c.status}`)).toEqual(['Ready=True', 'DiskPressure=False']);
  });
});

describe('delete, finalizers and garbage collection', () => {
  it('keeps an object with finalizers until they are removed', async () => {
    await createDataset('ds-fin', { finalizers: ['sedna.io/test'] });
    const deleting = (await t.custom.deleteNamespacedCustomObject({ ...G, namespace: 'default', plural: 'datasets', name: 'ds-fin' })) as Record<string, any>;
    expect(deleting.metadata.deletionTimestamp).toBeDefined();
    const still = (await t.custom.getNamespacedCustomObject({ ...G, namespace: 'default', plural: 'datasets', name: 'ds-fin' })) as Record<string, any>;
    expect(still.metadata.finalizers).toEqual(['sedna.io/test']);
    await t.custom.patchNamespacedCustomObject({ ...G, namespace: 'default', plural: 'datasets', name: 'ds-fin', body: { metadata: { finalizers: null } } }, merge);
    expect((await apiError(t.custom.getNamespacedCustomObject({ ...G, namespace: 'default', plural: 'datasets', name: 'ds-fin' }))).code).toBe(404);
  });

  it('deletes dependents in the background when their owner goes', async () => {
    const owner = await createDataset('gc-owner');
    const ref = { apiVersion: 'sedna.io/v1alpha1', kind: 'Dataset', name: 'gc-owner', uid: owner.metadata.uid, controller: true };
    await t.core.createNamespacedPod({ namespace: 'default', body: { metadata: { name: 'gc-child', ownerReferences: [ref] }, spec: { containers: [{ name: 'm', command: ['true'] }] } } });
    await t.core.createNamespacedService({ namespace: 'default', body: { metadata: { name: 'gc-svc', ownerReferences: [ref] }, spec: { ports: [{ port: 80 }] } } });
    await t.custom.deleteNamespacedCustomObject({ ...G, namespace: 'default', plural: 'datasets', name: 'gc-owner' });
    await waitFor('dependents gone', async () => {
      const pods = await t.core.listNamespacedPod({ namespace: 'default', fieldSelector: 'metadata.name=gc-child' });
      const svcs = await t.core.listNamespacedService({ namespace: 'default', fieldSelector: 'metadata.name=gc-svc' });
      return pods.items.length === 0 && svcs.items.length === 0 ? true : undefined;
    });
  });

  it('waits for dependents with Foreground and keeps them with Orphan', async () => {
    const fg = await createDataset('fg-owner');
    await t.core.createNamespacedPod({ namespace: 'default', body: { metadata: { name: 'fg-child', ownerReferences: [{ apiVersion: 'sedna.io/v1alpha1', kind: 'Dataset', name: 'fg-owner', uid: fg.metadata.uid, blockOwnerDeletion: true }] }, spec: { containers: [{ name: 'm', command: ['true'] }] } } });
    await t.custom.deleteNamespacedCustomObject({ ...G, namespace: 'default', plural: 'datasets', name: 'fg-owner', propagationPolicy: 'Foreground' });
    await waitFor('foreground deletion done', async () => {
      const owners = (await t.custom.listNamespacedCustomObject({ ...G, namespace: 'default', plural: 'datasets', fieldSelector: 'metadata.name=fg-owner' })) as { items: unknown[] };
      const pods = await t.core.listNamespacedPod({ namespace: 'default', fieldSelector: 'metadata.name=fg-child' });
      return owners.items.length === 0 && pods.items.length === 0 ? true : undefined;
    });
    const or = await createDataset('or-owner');
    await t.core.createNamespacedPod({ namespace: 'default', body: { metadata: { name: 'or-child', ownerReferences: [{ apiVersion: 'sedna.io/v1alpha1', kind: 'Dataset', name: 'or-owner', uid: or.metadata.uid }] }, spec: { containers: [{ name: 'm', command: ['true'] }] } } });
    await t.custom.deleteNamespacedCustomObject({ ...G, namespace: 'default', plural: 'datasets', name: 'or-owner', propagationPolicy: 'Orphan' });
    const orphan = await t.core.readNamespacedPod({ namespace: 'default', name: 'or-child' });
    expect(orphan.metadata!.ownerReferences).toBeUndefined();
  });

  it('checks delete preconditions', async () => {
    await createDataset('ds-pre');
    const err = await apiError(t.custom.deleteNamespacedCustomObject({ ...G, namespace: 'default', plural: 'datasets', name: 'ds-pre', body: { preconditions: { uid: 'not-it' } } }));
    expect(err.code).toBe(409);
  });
});

describe('watch', () => {
  it('streams changes, resumes from a resourceVersion in order, and answers 410 Gone when too old', async () => {
    const events: string[] = [];
    const watch = new k8s.Watch(t.kc);
    const list = (await t.custom.listNamespacedCustomObject({ ...G, namespace: 'kube-system', plural: 'datasets' })) as { metadata: { resourceVersion: string } };
    const controller = await watch.watch('/apis/sedna.io/v1alpha1/namespaces/kube-system/datasets', { resourceVersion: list.metadata.resourceVersion }, (type, obj: { metadata: { name: string; resourceVersion: string } }) => {
      events.push(`${type} ${obj.metadata.name}`);
    }, () => undefined);
    await createDataset('w1', {}, 'kube-system');
    await t.custom.patchNamespacedCustomObject({ ...G, namespace: 'kube-system', plural: 'datasets', name: 'w1', body: { spec: { format: 'csv' } } }, merge);
    await t.custom.deleteNamespacedCustomObject({ ...G, namespace: 'kube-system', plural: 'datasets', name: 'w1' });
    await waitFor('three events', () => (events.length >= 3 ? true : undefined));
    controller.abort();
    expect(events).toEqual(['ADDED w1', 'MODIFIED w1', 'DELETED w1']);

    // Resume from the version before w2 was created: every change after it, in order.
    const from = (await createDataset('w2', {}, 'kube-system')).metadata.resourceVersion as string;
    await t.custom.patchNamespacedCustomObject({ ...G, namespace: 'kube-system', plural: 'datasets', name: 'w2', body: { metadata: { labels: { n: '1' } } } }, merge);
    await createDataset('w3', {}, 'kube-system');
    const resumed = await rawRequest(t, 'GET', `/apis/sedna.io/v1alpha1/namespaces/kube-system/datasets?watch=true&resourceVersion=${from}&timeoutSeconds=1`);
    const lines = resumed.body.trim().split('\n').map((l) => JSON.parse(l) as { type: string; object: { metadata: { name: string } } });
    expect(lines.map((l) => `${l.type} ${l.object.metadata.name}`)).toEqual(['MODIFIED w2', 'ADDED w3']);

    const small = await startTestServer({ eventRetention: 5 });
    try {
      for (let i = 0; i < 12; i++) await small.custom.createNamespacedCustomObject({ ...G, namespace: 'default', plural: 'datasets', body: dataset(`g${i}`) });
      const gone = await rawRequest(small, 'GET', '/apis/sedna.io/v1alpha1/namespaces/default/datasets?watch=true&resourceVersion=2');
      const event = JSON.parse(gone.body.trim()) as { type: string; object: { code: number; reason: string } };
      expect(event).toMatchObject({ type: 'ERROR', object: { code: 410, reason: 'Expired' } });
    } finally {
      await small.stop();
    }
  });

  it('turns label changes into ADDED and DELETED for a selector watch', async () => {
    await createDataset('lw', { labels: { watched: 'no' } }, 'kube-node-lease');
    const from = ((await t.custom.listNamespacedCustomObject({ ...G, namespace: 'kube-node-lease', plural: 'datasets' })) as { metadata: { resourceVersion: string } }).metadata.resourceVersion;
    await t.custom.patchNamespacedCustomObject({ ...G, namespace: 'kube-node-lease', plural: 'datasets', name: 'lw', body: { metadata: { labels: { watched: 'yes' } } } }, merge);
    await t.custom.patchNamespacedCustomObject({ ...G, namespace: 'kube-node-lease', plural: 'datasets', name: 'lw', body: { metadata: { labels: { watched: 'no' } } } }, merge);
    const r = await rawRequest(t, 'GET', `/apis/sedna.io/v1alpha1/namespaces/kube-node-lease/datasets?watch=true&resourceVersion=${from}&labelSelector=watched%3Dyes&timeoutSeconds=1`);
    expect(r.body.trim().split('\n').map((l) => (JSON.parse(l) as { type: string }).type)).toEqual(['ADDED', 'DELETED']);
  });
});

describe('bad requests', () => {
  it('refuses a missing or wrong token with 401', async () => {
    expect((await rawRequest(t, 'GET', '/api/v1/namespaces', { token: null })).status).toBe(401);
    const wrong = await rawRequest(t, 'GET', '/api/v1/namespaces', { token: 'wrong' });
    expect(wrong.status).toBe(401);
    expect(wrong.json()).toMatchObject({ kind: 'Status', reason: 'Unauthorized' });
  });

  it('answers 400 to bodies that are not JSON, and 413 to oversized ones', async () => {
    const notJson = await rawRequest(t, 'POST', '/apis/sedna.io/v1alpha1/namespaces/default/datasets', { body: '{"apiVersion": ', headers: { 'Content-Type': 'application/json' } });
    expect(notJson.status).toBe(400);
    expect(notJson.json()['message']).toContain('not valid JSON');
    const big = await rawRequest(t, 'POST', '/apis/sedna.io/v1alpha1/namespaces/default/datasets', { body: Buffer.alloc(4 * 1024 * 1024, 32), headers: { 'Content-Type': 'application/json' } });
    expect(big.status).toBe(413);
    expect(big.json()).toMatchObject({ reason: 'RequestEntityTooLarge' });
  });

  it('answers 404 for unknown kinds and unknown namespaces', async () => {
    expect((await rawRequest(t, 'GET', '/apis/sedna.io/v1alpha1/namespaces/default/widgets')).status).toBe(404);
    const ns = await apiError(createDataset('x', {}, 'no-such-ns'));
    expect(ns.code).toBe(404);
    expect(ns.body['message']).toBe('namespaces "no-such-ns" not found');
  });

  it('rejects unknown fields under fieldValidation=Strict and drops them with a warning otherwise', async () => {
    const body = JSON.stringify({ ...dataset('ds-strict'), spec: { url: '/a', format: 'txt', nodeName: 'n', colour: 'red' } });
    const strict = await rawRequest(t, 'POST', '/apis/sedna.io/v1alpha1/namespaces/default/datasets?fieldValidation=Strict', { body, headers: { 'Content-Type': 'application/json' } });
    expect(strict.status).toBe(400);
    expect(strict.json()['message']).toBe('strict decoding error: unknown field "spec.colour"');
    const warn = await rawRequest(t, 'POST', '/apis/sedna.io/v1alpha1/namespaces/default/datasets', { body, headers: { 'Content-Type': 'application/json' } });
    expect(warn.status).toBe(201);
    expect(String(warn.headers['warning'])).toContain('unknown field \\"spec.colour\\"');
    expect((warn.json()['spec'] as Record<string, unknown>)['colour']).toBeUndefined();
  });
});

describe('status subresource concurrency', () => {
  it('answers 409 to a status patch that names a stale resourceVersion', async () => {
    const created = await createDataset('ds-status-occ');
    await t.custom.patchNamespacedCustomObjectStatus({ ...G, namespace: 'default', plural: 'datasets', name: 'ds-status-occ', body: { status: { numberOfSamples: 1 } } }, merge);
    const stale = await apiError(
      t.custom.patchNamespacedCustomObjectStatus({ ...G, namespace: 'default', plural: 'datasets', name: 'ds-status-occ', body: { metadata: { resourceVersion: created.metadata.resourceVersion }, status: { numberOfSamples: 2 } } }, merge),
    );
    expect(stale.code).toBe(409);
  });
});
