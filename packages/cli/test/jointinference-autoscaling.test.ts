/**
 * Autoscaling of joint inference workers in embedded mode, on `sedna up`: a JointInferenceService whose cloud worker
 * has `hpa` (1 to 3 replicas, on the requests per second each replica answers, its own metric
 * `sedna_joint_inference_cloud_requests_total`). The control plane reads the cloud replicas' metrics through their
 * LC, scales them with the HPA's algorithm, and records `SuccessfulRescale` events; each replica has a node port of its
 * own and the edge worker, told every replica's address, spreads its requests over those running. When the load
 * stops the replicas go back to one. The workers are the lib's (fixtures/ji-autoscaling).
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { join } from 'node:path';
import { NODE_API_PORT_LABEL } from '@sedna/api';
import { parseExposition, sumOf } from '@sedna/metrics';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { up, type UpHandle } from '../src/commands/up.js';
import { stopControlPlaneAndPods } from './pod-processes.js';
import { ensureBuilt, repoRoot, sedna, tempDir, waitFor } from './harness.js';

let handle: UpHandle;
let dataDir: string;
let loadFlag: string;
const fixtures = join(repoRoot, 'packages/cli/test/fixtures/ji-autoscaling');

const manifest = (): string => `apiVersion: sedna.io/v1alpha1
kind: Model
metadata: {name: big}
spec: {url: /models/big.onnx, format: onnx}
---
apiVersion: sedna.io/v1alpha1
kind: Model
metadata: {name: little}
spec: {url: /models/little.onnx, format: onnx}
---
apiVersion: sedna.io/v1alpha1
kind: JointInferenceService
metadata: {name: ji-scale}
spec:
  edgeWorker:
    model: {name: little}
    hardExampleMining: {name: Everything}
    template:
      spec:
        nodeName: edge-node-1
        containers:
        - name: little
          command: ["node", "${join(fixtures, 'edge.mjs')}"]
          env: [{name: LOAD_FLAG, value: "${loadFlag}"}]
  cloudWorker:
    model: {name: big}
    template:
      spec:
        nodeName: cloud-node
        containers:
        - name: big
          command: ["node", "${join(fixtures, 'cloud.mjs')}"]
    hpa:
      minReplicas: 1
      maxReplicas: 3
      metrics:
      - type: Pods
        pods:
          metric: {name: sedna_joint_inference_cloud_requests_total}
          target: {type: AverageValue, averageValue: "5"}
      behavior:
        scaleDown: {stabilizationWindowSeconds: 3}
`;

async function getJson(args: string[]): Promise<any> {
  const r = await sedna(['get', ...args, '-o', 'json', '--data-dir', dataDir]);
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout);
}

/** The live (not terminating) pods of a worker type. */
async function workers(type: 'cloud' | 'edge'): Promise<any[]> {
  const pods = (await getJson(['pods', '-l', `jointinferenceservice.sedna.io/name=ji-scale,jointinferenceservice.sedna.io/worker-type=${type}`])).items;
  return pods.filter((p: any) => !p.metadata.deletionTimestamp);
}

/** A pod's worker metrics, through its node's LC as Prometheus reads them: TLS with the control plane's client certificate. */
async function podMetrics(pod: any): Promise<string> {
  const pki = join(dataDir, 'apiserver', 'pki');
  const identity = { ca: readFileSync(join(pki, 'ca.crt'), 'utf8'), cert: readFileSync(join(pki, 'control-plane-client.crt'), 'utf8'), key: readFileSync(join(pki, 'control-plane-client.key'), 'utf8') };
  const node = await getJson(['node', pod.spec.nodeName]);
  const port = Number(node.metadata.labels[NODE_API_PORT_LABEL]);
  return new Promise((resolve, reject) => {
    https
      .get({ host: '127.0.0.1', port, path: `/pods/default/${pod.metadata.name}/metrics`, ...identity, servername: pod.spec.nodeName }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`HTTP ${res.statusCode}: ${body}`))));
      })
      .on('error', reject);
  });
}

beforeAll(async () => {
  ensureBuilt();
  dataDir = tempDir('sedna-ji-hpa-');
  loadFlag = join(dataDir, 'load');
  handle = await up({ dataDir, edgeNodes: 1, apiPort: 0, hubPort: 0, datasetRoots: [dataDir], hpaSyncPeriodSeconds: 1, log: () => undefined });
}, 120_000);
afterAll(async () => {
  await stopControlPlaneAndPods(dataDir, () => handle?.stop());
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe('joint inference autoscaling on sedna up', () => {
  it('scales the cloud worker on its request rate, spreads the edge requests over the replicas, and scales back', async () => {
    const applied = await sedna(['apply', '-f', '-', '--data-dir', dataDir], manifest());
    expect(applied.status, applied.stderr).toBe(0);
    await waitFor('the service Running with one cloud replica', async () => {
      const ji = await getJson(['ji', 'ji-scale']);
      return ji.status?.conditions?.at(-1)?.type === 'Running' && (await workers('cloud')).length === 1 ? true : undefined;
    }, 60_000);
    // A node port per replica the cloud worker may have; the edge is told all of them.
    const svc = await getJson(['service', 'ji-scale-cloud']);
    expect(svc.spec.ports).toHaveLength(3);
    const [edge] = await workers('edge');
    const env = Object.fromEntries(edge.spec.containers[0].env.map((e: any) => [e.name, e.value]));
    expect(env.BIG_MODEL_ENDPOINTS.split(',')).toEqual(svc.spec.ports.map((p: any) => `127.0.0.1:${p.nodePort}`));
    expect(env.BIG_MODEL_PORT).toBe(String(svc.spec.ports[0].nodePort));

    // Load: about 4 x 30 requests a second against a target of 5 per replica: up to the maximum.
    writeFileSync(loadFlag, '');
    const scaled = await waitFor('three cloud replicas running', async () => {
      const cloud = await workers('cloud');
      return cloud.length === 3 && cloud.every((p: any) => p.status?.phase === 'Running') ? cloud : undefined;
    }, 90_000);
    expect(scaled.map((p: any) => p.metadata.labels['jointinferenceservice.sedna.io/replica']).sort()).toEqual(['0', '1', '2']);
    // Each replica binds its own node port.
    const bound = scaled.map((p: any) => p.spec.containers[0].env.find((e: any) => e.name === 'BIG_MODEL_BIND_PORT').value).sort();
    expect(bound).toEqual(svc.spec.ports.map((p: any) => String(p.nodePort)).sort());
    // The edge spreads its requests: every replica answers some.
    await waitFor('every cloud replica answering requests', async () => {
      const counts = await Promise.all(scaled.map(async (p: any) => sumOf(parseExposition(await podMetrics(p)), 'sedna_joint_inference_cloud_requests_total') ?? 0));
      if (!counts.every((n) => n > 0)) throw new Error(`requests answered per replica: ${counts.join(', ')}`);
      return counts;
    }, 60_000);
    const events = (await getJson(['events'])).items.filter((e: any) => e.involvedObject?.name === 'ji-scale' && e.reason === 'SuccessfulRescale');
    expect(events.map((e: any) => e.message).join('\n')).toMatch(/New size: [23]; reason: the cloud worker's pods metric sedna_joint_inference_cloud_requests_total above target/);

    // No load: the replicas go back to the minimum after the scale-down window; replica 0 stays.
    rmSync(loadFlag);
    const remaining = await waitFor('one cloud replica', async () => {
      const cloud = await workers('cloud');
      return cloud.length === 1 ? cloud : undefined;
    }, 90_000);
    expect(remaining[0].metadata.labels['jointinferenceservice.sedna.io/replica']).toBe('0');
    const after = (await getJson(['events'])).items.filter((e: any) => e.involvedObject?.name === 'ji-scale' && e.reason === 'SuccessfulRescale');
    expect(after.map((e: any) => e.message).join('\n')).toMatch(/New size: 1; reason: .* below target/);
    const ji = await getJson(['ji', 'ji-scale']);
    expect(ji.status.conditions.at(-1).type).toBe('Running');
  }, 300_000);
});
