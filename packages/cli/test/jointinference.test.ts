/**
 * The JointInferenceService controller on the all-in-one control plane, with small stand-in workers (the real
 * Fashion-MNIST workers have their own example test): the cloud worker serves on the port its Service was given,
 * the edge worker reaches it through BIG_MODEL_IP/BIG_MODEL_PORT and reports counters to its LC, which land in
 * `status.metrics`; a spec change replaces the edge worker; deleting the service removes its workers.
 */
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { up, type UpHandle } from '../src/commands/up.js';
import { stopControlPlaneAndPods } from './pod-processes.js';
import { ensureBuilt, sedna, tempDir, waitFor } from './harness.js';

let handle: UpHandle;
let dataDir: string;

const cloudWorker = `const http = require('http'); http.createServer((q, s) => s.end('big model here')).listen(Number(process.env.BIG_MODEL_BIND_PORT), () => console.log('serving on', process.env.BIG_MODEL_BIND_PORT));`;
const edgeWorker = `
const http = require('http');
const get = () => new Promise((res, rej) => http.get({ host: process.env.BIG_MODEL_IP, port: Number(process.env.BIG_MODEL_PORT), path: '/' }, (r) => { let b = ''; r.on('data', (c) => (b += c)); r.on('end', () => res(b)); }).on('error', rej));
const report = (body) => new Promise((res, rej) => { const q = http.request(process.env.LC_SERVER + '/sedna/workers/' + process.env.WORKER_NAME + '/info', { method: 'POST', headers: { 'Content-Type': 'application/json' } }, (r) => { r.resume(); r.on('end', () => res(r.statusCode)); }); q.on('error', rej); q.end(JSON.stringify(body)); });
(async () => {
  let answer;
  for (let i = 0; i < 100 && !answer; i++) { try { answer = await get(); } catch { await new Promise((r) => setTimeout(r, 100)); } }
  console.log('cloud said:', answer, 'mode:', process.env.mode, 'hem:', process.env.HEM_NAME, process.env.HEM_PARAMETERS);
  const code = await report({ name: process.env.WORKER_NAME, namespace: process.env.NAMESPACE, ownerName: process.env.JOB_NAME, ownerKind: 'jointinferenceservice', kind: 'inference', status: 'running', ownerInfo: { inferenceNumber: 10, hardExampleNumber: 2, uploadCloudRatio: 0.2, startTime: 'x', updateTime: 'y' } });
  console.log('report answered', code);
  setInterval(() => {}, 1000);
})();`;

function manifest(mode: string): string {
  const js = (src: string) => JSON.stringify(src);
  return `apiVersion: sedna.io/v1alpha1
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
metadata: {name: ji-demo}
spec:
  edgeWorker:
    model: {name: little}
    hardExampleMining:
      name: CrossEntropy
      parameters: [{key: threshold_cross_entropy, value: "0.5"}]
    template:
      spec:
        nodeName: edge-node-1
        containers:
        - name: little
          command: ["node", "-e", ${js(edgeWorker)}]
          env: [{name: mode, value: "${mode}"}]
  cloudWorker:
    model: {name: big}
    template:
      spec:
        nodeName: cloud-node
        containers:
        - name: big
          command: ["node", "-e", ${js(cloudWorker)}]
`;
}

async function getJson(args: string[]): Promise<any> {
  const r = await sedna(['get', ...args, '-o', 'json', '--data-dir', dataDir]);
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout);
}

beforeAll(async () => {
  ensureBuilt();
  dataDir = tempDir('sedna-ji-');
  handle = await up({ dataDir, edgeNodes: 1, apiPort: 0, hubPort: 0, datasetRoots: [dataDir], log: () => undefined });
}, 120_000);
afterAll(async () => {
  await stopControlPlaneAndPods(dataDir, () => handle?.stop());
  rmSync(dataDir, { recursive: true, force: true });
});

describe('JointInferenceService controller', () => {
  it('runs both workers wired to each other and lands the edge reports in status.metrics', async () => {
    const applied = await sedna(['apply', '-f', '-', '--data-dir', dataDir], manifest('first'));
    expect(applied.status, applied.stderr).toBe(0);
    const ji = await waitFor('metrics and Running', async () => {
      const o = await getJson(['ji', 'ji-demo']);
      return o.status?.metrics?.length && o.status.conditions?.at(-1)?.type === 'Running' ? o : undefined;
    }, 30_000);
    expect(ji.status.active).toBe(2);
    expect(ji.status.metrics).toEqual([
      { key: 'inferenceNumber', value: '10' },
      { key: 'hardExampleNumber', value: '2' },
      { key: 'uploadCloudRatio', value: '0.2' },
    ]);
    const svc = await getJson(['service', 'ji-demo-cloud']);
    expect(svc.spec.type).toBe('NodePort');
    const pods = (await getJson(['pods', '-l', 'jointinferenceservice.sedna.io/name=ji-demo'])).items;
    const edge = pods.find((p: any) => p.metadata.labels['jointinferenceservice.sedna.io/worker-type'] === 'edge');
    const env = Object.fromEntries(edge.spec.containers[0].env.map((e: any) => [e.name, e.value]));
    expect(env).toMatchObject({ JOB_NAME: 'ji-demo', MODEL_URL: '/models/little.onnx', HEM_NAME: 'CrossEntropy', BIG_MODEL_IP: '127.0.0.1', BIG_MODEL_PORT: String(svc.spec.ports[0].nodePort), mode: 'first' });
    const cloud = pods.find((p: any) => p.metadata.labels['jointinferenceservice.sedna.io/worker-type'] === 'cloud');
    const cloudEnv = Object.fromEntries(cloud.spec.containers[0].env.map((e: any) => [e.name, e.value]));
    // The cloud worker binds where the edge is sent: its node's address, not every interface.
    expect(cloudEnv).toMatchObject({ BIG_MODEL_BIND_IP: '127.0.0.1', BIG_MODEL_BIND_PORT: String(svc.spec.ports[0].nodePort) });
    expect(JSON.parse(env.HEM_PARAMETERS)).toEqual([{ key: 'threshold_cross_entropy', value: '0.5' }]);
    const logs = await sedna(['logs', edge.metadata.name, '--data-dir', dataDir]);
    expect(logs.stdout).toContain('cloud said: big model here mode: first hem: CrossEntropy');
  });

  it('replaces the edge worker when the spec changes, and removes the workers with the service', async () => {
    // Workers keep their names when replaced (<service>-<type>-<replica>): a new one is a new uid.
    const before = (await getJson(['pods', '-l', 'jointinferenceservice.sedna.io/name=ji-demo'])).items.map((p: any) => p.metadata.uid).sort();
    await sedna(['apply', '-f', '-', '--data-dir', dataDir], manifest('second'));
    const after = await waitFor('a new edge worker', async () => {
      const pods = (await getJson(['pods', '-l', 'jointinferenceservice.sedna.io/name=ji-demo'])).items;
      const edge = pods.filter((p: any) => p.metadata.labels['jointinferenceservice.sedna.io/worker-type'] === 'edge' && !p.metadata.deletionTimestamp);
      return edge.length === 1 && !before.includes(edge[0].metadata.uid) && edge[0].status?.phase === 'Running' ? pods : undefined;
    }, 30_000);
    const cloud = after.filter((p: any) => p.metadata.labels['jointinferenceservice.sedna.io/worker-type'] === 'cloud');
    expect(before).toContain(cloud[0].metadata.uid); // the cloud worker was not touched
    expect(after.map((p: any) => p.metadata.name).sort()).toEqual(['ji-demo-cloud-0', 'ji-demo-edge-0']);
    await sedna(['delete', 'ji', 'ji-demo', '--data-dir', dataDir]);
    await waitFor('workers and service gone', async () => {
      const pods = (await getJson(['pods'])).items.filter((p: any) => p.metadata.name.startsWith('ji-demo-'));
      const svcs = (await getJson(['services'])).items.filter((s: any) => s.metadata.name === 'ji-demo-cloud');
      return pods.length === 0 && svcs.length === 0 ? true : undefined;
    }, 30_000);
  });
});
