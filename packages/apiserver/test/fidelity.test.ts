/**
 * The embedded API server as each client meets it (issue 13, API semantics): the official Python client (Debian's
 * python3-kubernetes: watch=True, 410 from an old resourceVersion), kubectl v1.35 (its protobuf generators,
 * namespace deletion, CRDs, auth can-i/whoami, categories, ClusterIPs, claims, references in any file order), and
 * Debian's kubectl 1.20 validating against /openapi/v2 without --validate=false.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubectl, kubectl120Path, rawRequest, repoRoot, startTestServer, type TestServer, waitFor } from './harness.js';

let t: TestServer;
const PYTHON = '/usr/bin/python3';

beforeAll(async () => {
  // A short change log, so that an old resourceVersion is soon too old (410 Gone).
  t = await startTestServer({ eventRetention: 50 });
});
afterAll(async () => {
  await t?.stop();
});

function python(script: string): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(PYTHON, ['-c', script, t.server.kubeconfigPath], { env: { ...process.env, HOME: t.dataDir } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('close', (code) => resolve({ status: code ?? -1, stdout, stderr }));
  });
}

const PY_PRELUDE = `
import sys, json
from kubernetes import client, config, watch
from kubernetes.client.rest import ApiException
config.load_kube_config(config_file=sys.argv[1])
v1 = client.CoreV1Api()
`;

const hasPythonClient = existsSync(PYTHON);

describe('query parameters as Kubernetes parses them', () => {
  it('takes watch=True, watch=1 and watch=true as a watch, and names a bad integer', async () => {
    for (const value of ['True', '1', 'true', 't']) {
      const r = await rawRequest(t, 'GET', `/api/v1/namespaces?watch=${value}&timeoutSeconds=1`);
      expect(r.status).toBe(200);
      expect(r.body.split('\n')[0]).toContain('"type":"ADDED"');
    }
    const list = await rawRequest(t, 'GET', '/api/v1/namespaces?watch=false');
    expect(list.json()['kind']).toBe('NamespaceList');
    const bad = await rawRequest(t, 'GET', '/api/v1/namespaces?limit=ten');
    expect(bad.status).toBe(400);
    expect(bad.json()['message']).toContain('limit');
  });
});

describe.skipIf(!hasPythonClient)('the official Python client', () => {
  it('watches with watch=True and gets 410 Gone from an old resourceVersion', async () => {
    await kubectl(t, ['create', 'configmap', 'py-watched', '--from-literal=a=b']);
    // Enough changes that resourceVersion 1 leaves the retained log.
    for (let i = 0; i < 60; i++) {
      const r = await rawRequest(t, 'PATCH', '/api/v1/namespaces/default/configmaps/py-watched', { body: JSON.stringify({ metadata: { labels: { round: String(i) } } }), headers: { 'Content-Type': 'application/merge-patch+json' } });
      expect(r.status).toBe(200);
    }
    const r = await python(`${PY_PRELUDE}
seen = [e['type'] + ':' + e['object'].metadata.name for e in watch.Watch().stream(v1.list_namespaced_config_map, 'default', timeout_seconds=2)]
print(json.dumps(seen))
try:
    for e in watch.Watch().stream(v1.list_namespaced_config_map, 'default', resource_version='1', timeout_seconds=2):
        pass
    print('no error')
except ApiException as e:
    print('status', e.status)
`);
    expect(r.stderr).toBe('');
    const [seen, gone] = r.stdout.trim().split('\n');
    expect(JSON.parse(seen!)).toContain('ADDED:py-watched');
    expect(gone).toBe('status 410');
  }, 120_000);
});

describe('kubectl v1.35', () => {
  it('creates with its protobuf generators, and deleting the namespace removes what was in it', async () => {
    expect((await kubectl(t, ['create', 'namespace', 'x'])).stdout).toContain('namespace/x created');
    for (const args of [
      ['create', 'secret', 'generic', 's', '--from-literal=a=b'],
      ['create', 'configmap', 'c', '--from-literal=a=b'],
      ['create', 'service', 'clusterip', 'svc', '--tcp=80:8080'],
      ['create', 'deployment', 'd', '--image=nginx'],
      ['create', 'serviceaccount', 'robot'],
    ]) {
      const r = await kubectl(t, ['-n', 'x', ...args]);
      expect(r.stderr, args.join(' ')).toBe('');
    }
    expect((await kubectl(t, ['-n', 'x', 'get', 'secret', 's', '-o', 'jsonpath={.data.a}'])).stdout).toBe(Buffer.from('b').toString('base64'));
    const deleted = await kubectl(t, ['delete', 'namespace', 'x']);
    expect(deleted.stdout).toContain('namespace "x" deleted');
    expect((await kubectl(t, ['get', 'namespace', 'x'])).stderr).toContain('not found');
    for (const kind of ['secrets', 'configmaps', 'services', 'deployments', 'serviceaccounts']) {
      expect(t.server.store.list(kind === 'deployments' ? 'apps/deployments' : `/${kind}`, 'x')).toEqual([]);
    }
    expect((await kubectl(t, ['delete', 'namespace', 'default'])).stderr).toContain('this namespace may not be deleted');
  });

  it('serves the CRDs, answers auth can-i and whoami, lists kinds by category, and says no matches for a misspelled kind', async () => {
    expect((await kubectl(t, ['get', 'crd'])).stdout).toContain('jointinferenceservices.sedna.io');
    const applied = await kubectl(t, ['apply', '-f', join(repoRoot, 'deploy/crds')]);
    expect(applied.status, applied.stderr).toBe(0);
    expect(applied.stdout).toContain('customresourcedefinition.apiextensions.k8s.io/datasets.sedna.io');
    expect((await kubectl(t, ['auth', 'can-i', 'create', 'pods'])).stdout.trim()).toBe('yes');
    expect((await kubectl(t, ['auth', 'whoami'])).stdout).toMatch(/Username\s+sedna-admin/);
    await kubectl(t, ['apply', '-f', '-'], 'apiVersion: sedna.io/v1alpha1\nkind: Model\nmetadata:\n  name: cat-model\nspec:\n  url: /m\n  format: pb\n');
    expect((await kubectl(t, ['get', 'sedna'])).stdout).toContain('model.sedna.io/cat-model');
    expect((await kubectl(t, ['get', 'all'])).stdout).toContain('model.sedna.io/cat-model');
    const typo = await kubectl(t, ['apply', '-f', '-'], 'apiVersion: sedna.io/v1alpha1\nkind: JointInferenceServise\nmetadata:\n  name: x\n');
    expect(typo.stderr).toContain('no matches for kind "JointInferenceServise" in version "sedna.io/v1alpha1"');
    const version = await kubectl(t, ['apply', '-f', '-'], 'apiVersion: sedna.io/v1\nkind: Model\nmetadata:\n  name: x\n');
    expect(version.stderr).toContain('no matches for kind "Model" in version "sedna.io/v1"');
  });

  it('accepts a job before the objects it names (any file order), gives Services a ClusterIP, binds a claim', async () => {
    const dir = join(t.dataDir, 'ordered');
    mkdirSync(dir);
    writeFileSync(join(dir, 'a-ji.yaml'), `apiVersion: sedna.io/v1alpha1
kind: JointInferenceService
metadata:
  name: early
spec:
  edgeWorker:
    model: {name: later-little}
    hardExampleMining: {name: IBT}
    template: {spec: {nodeName: no-such-node, containers: [{name: w, image: x}]}}
  cloudWorker:
    model: {name: later-big}
    template: {spec: {nodeName: no-such-node, containers: [{name: w, image: x}]}}
`);
    writeFileSync(join(dir, 'b-models.yaml'), ['later-little', 'later-big'].map((n) => `apiVersion: sedna.io/v1alpha1\nkind: Model\nmetadata:\n  name: ${n}\nspec:\n  url: /m\n  format: pb\n`).join('---\n'));
    const applied = await kubectl(t, ['apply', '-f', dir]);
    expect(applied.stderr).toBe('');
    expect(applied.stdout).toContain('jointinferenceservice.sedna.io/early created');

    const svc = await kubectl(t, ['create', 'service', 'nodeport', 'np', '--tcp=80:8080']);
    expect(svc.stderr).toBe('');
    const spec = JSON.parse((await kubectl(t, ['get', 'svc', 'np', '-o', 'jsonpath={.spec}'])).stdout) as { clusterIP: string; ports: { port: number; targetPort: number; nodePort: number }[] };
    expect(spec.clusterIP).toMatch(/^10\.(9[6-9]|10[0-9]|11[01])\./);
    expect(spec.ports[0]).toMatchObject({ port: 80, targetPort: 8080 });
    expect(spec.ports[0]!.nodePort).toBeGreaterThanOrEqual(30000);

    const claim = await kubectl(t, ['apply', '-f', '-'], 'apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: data\nspec:\n  accessModes: [ReadWriteOnce]\n  resources: {requests: {storage: 1Gi}}\n');
    expect(claim.stderr).toBe('');
    const bound = await waitFor('the claim bound', async () => {
      const r = await kubectl(t, ['get', 'pvc', 'data', '-o', 'jsonpath={.status.phase} {.spec.volumeName}']);
      return r.stdout.startsWith('Bound ') ? r.stdout.split(' ')[1] : undefined;
    });
    const path = (await kubectl(t, ['get', 'pv', bound!, '-o', 'jsonpath={.spec.hostPath.path}'])).stdout;
    expect(path.startsWith(join(t.dataDir, 'volumes'))).toBe(true);
    expect(existsSync(path)).toBe(true);
    await kubectl(t, ['delete', 'pvc', 'data']);
    await waitFor('the provisioned volume removed', () => (existsSync(path) ? undefined : true));
  });
});

describe.skipIf(kubectl120Path() === undefined)("Debian's kubectl 1.20", () => {
  it('validates against /openapi/v2 without --validate=false, and explains', async () => {
    const old = kubectl120Path()!;
    const applied = await kubectl(t, ['apply', '-f', '-'], 'apiVersion: sedna.io/v1alpha1\nkind: Model\nmetadata:\n  name: old-model\nspec:\n  url: /m\n  format: pb\n', old);
    expect(applied.stderr).toBe('');
    expect(applied.stdout).toContain('model.sedna.io/old-model created');
    const bad = await kubectl(t, ['apply', '-f', '-'], 'apiVersion: sedna.io/v1alpha1\nkind: Model\nmetadata:\n  name: bad-model\nspec:\n  url: /m\n  format: pb\n  bogus: 1\n', old);
    expect(bad.stderr).toContain('unknown field "bogus"');
    const explained = await kubectl(t, ['explain', 'jointinferenceservices.spec.edgeWorker'], undefined, old);
    expect(explained.status, explained.stderr).toBe(0);
    expect(explained.stdout).toMatch(/hardExampleMining\s+<Object> -required-/);
  });
});
