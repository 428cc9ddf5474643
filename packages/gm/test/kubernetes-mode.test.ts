/**
 * The GM in kubernetes mode (pods run by a cluster's kubelets, not by local controllers), reconciling against a
 * Kubernetes API (here the embedded one, which serves apps/v1 Deployments too; no kubelet runs them, so the test
 * plays the Deployment controller's part by writing their status): a JointInferenceService becomes two Deployments
 * and a ClusterIP Service reached by cluster DNS, as in the original; a spec change updates the edge Deployment's
 * pod template only.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { type RunningApiServer, startApiServer } from '@sedna/apiserver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseGmConfig } from '../src/config.js';
import { type RunningGlobalManager, startGlobalManager } from '../src/gm.js';
import { KubeClient } from '../src/runtime/client.js';
import { waitFor } from '../../../test-kit/index.js';

let api: RunningApiServer;
let gm: RunningGlobalManager;
let client: KubeClient;
let dataDir: string;

const until = <T>(what: string, check: () => Promise<T | undefined>): Promise<T> => waitFor(what, check, 15_000, 25);

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'sedna-gm-k8s-'));
  api = await startApiServer({ dataDir });
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(api.kubeconfigPath);
  client = new KubeClient(kc);
  gm = await startGlobalManager({ config: parseGmConfig({ websocket: { address: '127.0.0.1', port: 0 }, nodeToken: 't' }), kubeConfig: kc, runPodsOnLocalControllers: false, log: () => undefined });
});
afterAll(async () => {
  await gm.stop();
  client.close();
  await api.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('kubernetes mode', () => {
  it('runs a JointInferenceService as two Deployments and a ClusterIP Service', async () => {
    for (const name of ['cloud', 'edge']) await client.create('Node', '', { metadata: { name } });
    for (const name of ['big', 'little']) await client.create('Model', 'default', { metadata: { name }, spec: { url: `s3://models/${name}.onnx`, format: 'onnx' } });
    const template = (node: string, value: string) => ({ spec: { nodeName: node, containers: [{ name: 'w', image: `example/${node}:v1`, env: [{ name: 'mode', value }] }] } });
    await client.create('JointInferenceService', 'default', {
      metadata: { name: 'helmet' },
      spec: { edgeWorker: { model: { name: 'little' }, hardExampleMining: { name: 'IBT' }, template: template('edge', 'a') }, cloudWorker: { model: { name: 'big' }, template: template('cloud', 'a') } },
    });
    const deployments = await until('two deployments', async () => {
      const list = await client.request<{ items: any[] }>('GET', '/apis/apps/v1/namespaces/default/deployments');
      return list.items.length === 2 ? list.items : undefined;
    });
    expect(deployments.map((d) => d.metadata.name).sort()).toEqual(['helmet-deployment-cloud', 'helmet-deployment-edge']);
    const edge = deployments.find((d) => d.metadata.name === 'helmet-deployment-edge');
    expect(edge.spec.selector.matchLabels).toEqual({ 'jointinferenceservice.sedna.io/name': 'helmet', 'jointinferenceservice.sedna.io/uid': edge.metadata.ownerReferences[0].uid, 'jointinferenceservice.sedna.io/worker-type': 'edge' });
    const env = Object.fromEntries(edge.spec.template.spec.containers[0].env.map((e: any) => [e.name, e.value]));
    expect(env).toMatchObject({ BIG_MODEL_IP: 'helmet-cloud.default', BIG_MODEL_PORT: '5000', LC_SERVER: 'http://localhost:9100', JOB_NAME: 'helmet', MODEL_URL: 's3://models/little.onnx', HEM_NAME: 'IBT', mode: 'a' });
    // The cloud worker binds its own pod IP, which the Service targets (never every interface).
    const cloud = deployments.find((d) => d.metadata.name === 'helmet-deployment-cloud');
    expect(cloud.spec.template.spec.containers[0].env).toContainEqual({ name: 'BIG_MODEL_BIND_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } });
    const service = await client.get('Service', 'default', 'helmet-cloud');
    expect((service['spec'] as any).type).toBe('ClusterIP');
    expect((service['spec'] as any).ports[0].port).toBe(5000);

    for (const d of deployments) await client.mergePatch('Deployment', 'default', d.metadata.name, { status: { replicas: 1, availableReplicas: 1, readyReplicas: 1 } }, 'status');
    await until('Running with 2 active', async () => {
      const ji = await client.get('JointInferenceService', 'default', 'helmet');
      const status = ji['status'] as any;
      return status?.conditions?.at(-1)?.type === 'Running' && status.active === 2 ? true : undefined;
    });

    const cloudBefore = await client.get('Deployment', 'default', 'helmet-deployment-cloud');
    await client.mergePatch('JointInferenceService', 'default', 'helmet', { spec: { edgeWorker: { template: template('edge', 'b') } } });
    await until('the edge template updated', async () => {
      const d = await client.get('Deployment', 'default', 'helmet-deployment-edge');
      const e = Object.fromEntries(((d['spec'] as any).template.spec.containers[0].env as any[]).map((x) => [x.name, x.value]));
      return e['mode'] === 'b' ? true : undefined;
    });
    const cloudAfter = await client.get('Deployment', 'default', 'helmet-deployment-cloud');
    expect(cloudAfter.metadata.generation).toBe(cloudBefore.metadata.generation);
  });

  it('gives a worker with hpa a HorizontalPodAutoscaler of its Deployment, updated and deleted with the spec', async () => {
    const hpa = { minReplicas: 1, maxReplicas: 4, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 60 } } }] };
    await client.mergePatch('JointInferenceService', 'default', 'helmet', { spec: { cloudWorker: { hpa } } });
    const created = await until('the cloud worker\'s HPA', () => client.get('HorizontalPodAutoscaler', 'default', 'hpa-helmet-deployment-cloud'));
    expect(created['spec']).toEqual({ scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'helmet-deployment-cloud' }, ...hpa });
    expect(created.metadata.ownerReferences?.[0]).toMatchObject({ kind: 'JointInferenceService', name: 'helmet', controller: true });
    await client.mergePatch('JointInferenceService', 'default', 'helmet', { spec: { cloudWorker: { hpa: { maxReplicas: 8, metrics: null, minReplicas: null } } } });
    await until('the HPA updated', async () => {
      const h = await client.get('HorizontalPodAutoscaler', 'default', 'hpa-helmet-deployment-cloud');
      return (h['spec'] as any).maxReplicas === 8 && (h['spec'] as any).metrics === undefined ? true : undefined;
    });
    await client.mergePatch('JointInferenceService', 'default', 'helmet', { spec: { cloudWorker: { hpa: null } } });
    await until('the HPA deleted', async () => (await client.get('HorizontalPodAutoscaler', 'default', 'hpa-helmet-deployment-cloud').then(() => undefined, () => true)));
    const events = await client.request<{ items: any[] }>('GET', '/api/v1/namespaces/default/events');
    expect(events.items.filter((e) => e.involvedObject.name === 'helmet').map((e) => e.reason)).toEqual(expect.arrayContaining(['HpaCreated', 'HpaUpdated', 'HpaDeleted']));
  });
});
