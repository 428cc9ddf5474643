/**
 * The FederatedLearningJob controller on the all-in-one control plane, with stand-in workers (the real
 * Fashion-MNIST aggregator and trainers have their own example test): the aggregator on the cloud node behind its
 * Service, a trainer per training worker on its dataset's node reaching it through AGG_IP/AGG_PORT; a deleted
 * trainer is recreated; the aggregator's round reports become Training conditions and its final metrics land in
 * the Model's status; the job completes.
 */
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { up, type UpHandle } from '../src/commands/up.js';
import { stopControlPlaneAndPods } from './pod-processes.js';
import { ensureBuilt, sedna, tempDir, waitFor } from './harness.js';

let handle: UpHandle;
let dataDir: string;

const aggregator = `
const http = require('http');
const report = (body) => new Promise((res) => { const q = http.request(process.env.LC_SERVER + '/sedna/workers/' + process.env.WORKER_NAME + '/info', { method: 'POST', headers: { 'Content-Type': 'application/json' } }, (r) => { r.resume(); r.on('end', res); }); q.on('error', res); q.end(JSON.stringify({ name: process.env.WORKER_NAME, namespace: process.env.NAMESPACE, ownerName: process.env.JOB_NAME, ownerKind: 'federatedlearningjob', kind: 'train', ...body })); });
const seen = new Set();
http.createServer((q, s) => { let b = ''; q.on('data', (c) => (b += c)); q.on('end', async () => { seen.add(b); s.end('ok'); await report({ status: 'running', ownerInfo: { currentRound: seen.size, updateTime: 'now' } });
  if (seen.size === Number(process.env.PARTICIPANTS_COUNT)) { await report({ status: 'completed', ownerInfo: { currentRound: seen.size }, results: [{ format: 'onnx', url: process.env.MODEL_URL, metrics: { accuracy: [0.81], loss: [0.52] } }] }); process.exit(0); } }); }).listen(Number(process.env.AGG_BIND_PORT));`;
function trainer(goFile: string): string {
  return `
const fs = require('fs'); const http = require('http');
const post = () => new Promise((res, rej) => { const q = http.request({ host: process.env.AGG_IP, port: Number(process.env.AGG_PORT), method: 'POST', path: '/' }, (r) => { r.resume(); r.on('end', res); }); q.on('error', rej); q.end(process.env.DATASET_NAME + ' ' + process.env.TRAIN_DATASET_URL); });
(async () => { while (!fs.existsSync(${JSON.stringify(goFile)})) await new Promise((r) => setTimeout(r, 50));
  for (;;) { try { await post(); break; } catch { await new Promise((r) => setTimeout(r, 100)); } } })();`;
}

beforeAll(async () => {
  ensureBuilt();
  dataDir = tempDir('sedna-fl-');
  handle = await up({ dataDir, edgeNodes: 2, apiPort: 0, hubPort: 0, datasetRoots: [dataDir], log: () => undefined });
}, 120_000);
afterAll(async () => {
  await stopControlPlaneAndPods(dataDir, () => handle?.stop());
  rmSync(dataDir, { recursive: true, force: true });
});

async function getJson(args: string[]): Promise<any> {
  const r = await sedna(['get', ...args, '-o', 'json', '--data-dir', dataDir]);
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout);
}

describe('FederatedLearningJob controller', () => {
  it('runs the aggregator and a trainer per dataset node, recreates a deleted trainer, and completes with metrics', async () => {
    const go = join(dataDir, 'go');
    for (const i of [1, 2]) writeFileSync(join(dataDir, `edge${i}.txt`), 'a.png 1\n');
    const js = (src: string) => JSON.stringify(src);
    const yaml = `apiVersion: sedna.io/v1alpha1
kind: Dataset
metadata: {name: edge1-data}
spec: {url: "${join(dataDir, 'edge1.txt')}", format: txt, nodeName: edge-node-1}
---
apiVersion: sedna.io/v1alpha1
kind: Dataset
metadata: {name: edge2-data}
spec: {url: "${join(dataDir, 'edge2.txt')}", format: txt, nodeName: edge-node-2}
---
apiVersion: sedna.io/v1alpha1
kind: Model
metadata: {name: global-model}
spec: {url: "${join(dataDir, 'global.onnx')}", format: onnx}
---
apiVersion: sedna.io/v1alpha1
kind: FederatedLearningJob
metadata: {name: fl-demo}
spec:
  aggregationWorker:
    model: {name: global-model}
    template:
      spec:
        containers: [{name: agg, command: ["node", "-e", ${js(aggregator)}]}]
  trainingWorkers:
  - dataset: {name: edge1-data}
    template:
      spec:
        containers: [{name: train, command: ["node", "-e", ${js(trainer(go))}]}]
  - dataset: {name: edge2-data}
    template:
      spec:
        containers: [{name: train, command: ["node", "-e", ${js(trainer(go))}]}]
`;
    const applied = await sedna(['apply', '-f', '-', '--data-dir', dataDir], yaml);
    expect(applied.status, applied.stderr).toBe(0);
    const pods = await waitFor('three running workers', async () => {
      const items = (await getJson(['pods', '-l', 'federatedlearningjob.sedna.io/name=fl-demo'])).items;
      return items.length === 3 && items.every((p: any) => p.status?.phase === 'Running') ? items : undefined;
    }, 30_000);
    const byType = (t: string) => pods.filter((p: any) => p.metadata.labels['federatedlearningjob.sedna.io/worker-type'] === t);
    expect(byType('aggregation')[0].spec.nodeName).toBe('cloud-node');
    expect(byType('train').map((p: any) => p.spec.nodeName).sort()).toEqual(['edge-node-1', 'edge-node-2']);
    const trainEnv = Object.fromEntries(byType('train')[0].spec.containers[0].env.map((e: any) => [e.name, e.value]));
    expect(trainEnv).toMatchObject({ PARTICIPANTS_COUNT: '2', TRANSMITTER: 'ws', AGG_IP: '127.0.0.1', JOB_NAME: 'fl-demo', MODEL_NAME: 'global-model' });
    const aggEnv = Object.fromEntries(byType('aggregation')[0].spec.containers[0].env.map((e: any) => [e.name, e.value]));
    expect(aggEnv).toMatchObject({ AGG_BIND_IP: '127.0.0.1', AGG_BIND_PORT: trainEnv.AGG_PORT });

    // A replaced worker keeps its name (<job>-trainworker-<i>): the replacement is a new uid.
    const victim = byType('train')[0].metadata;
    expect(victim.name).toMatch(/^fl-demo-trainworker-[01]$/);
    await sedna(['delete', 'pod', victim.name, '--data-dir', dataDir]);
    await waitFor('a replacement trainer', async () => {
      const items = (await getJson(['pods', '-l', 'federatedlearningjob.sedna.io/worker-type=train'])).items.filter((p: any) => !p.metadata.deletionTimestamp);
      return items.length === 2 && !items.some((p: any) => p.metadata.uid === victim.uid) && items.some((p: any) => p.metadata.name === victim.name) ? true : undefined;
    }, 30_000);

    writeFileSync(go, '');
    const job = await waitFor('the job to succeed', async () => {
      const o = await getJson(['fl', 'fl-demo']);
      return o.status?.phase === 'Succeeded' ? o : undefined;
    }, 60_000);
    const conditions = job.status.conditions.map((c: any) => `${c.type}: ${c.message}`);
    expect(conditions).toEqual(expect.arrayContaining([expect.stringMatching(/^Training: Round 1 reaches at/), expect.stringMatching(/^Training: Round 2 reaches at/), 'Complete: every worker completed']));
    expect(job.status.succeeded).toBe(3);
    const model = await getJson(['model', 'global-model']);
    expect(model.status.metrics).toEqual([{ key: 'accuracy', value: '[0.81]' }, { key: 'loss', value: '[0.52]' }]);
    expect(existsSync(go)).toBe(true);
  });

  it('restarts every worker when the job spec changes', async () => {
    const never = join(dataDir, 'never');
    const js = (src: string) => JSON.stringify(src);
    const job = (value: string) => `apiVersion: sedna.io/v1alpha1
kind: FederatedLearningJob
metadata: {name: fl-respec}
spec:
  aggregationWorker:
    model: {name: global-model}
    template:
      spec:
        containers: [{name: agg, command: ["node", "-e", ${js(aggregator)}], env: [{name: flavour, value: "${value}"}]}]
  trainingWorkers:
  - dataset: {name: edge1-data}
    template:
      spec:
        containers: [{name: train, command: ["node", "-e", ${js(trainer(never))}]}]
`;
    expect((await sedna(['apply', '-f', '-', '--data-dir', dataDir], job('a'))).status).toBe(0);
    const first = await waitFor('two running workers', async () => {
      const items = (await getJson(['pods', '-l', 'federatedlearningjob.sedna.io/name=fl-respec'])).items;
      return items.length === 2 && items.every((p: any) => p.status?.phase === 'Running') ? items.map((p: any) => p.metadata.uid) : undefined;
    }, 30_000);
    expect((await sedna(['apply', '-f', '-', '--data-dir', dataDir], job('b'))).status).toBe(0);
    await waitFor('two new workers of the new generation', async () => {
      const items = (await getJson(['pods', '-l', 'federatedlearningjob.sedna.io/name=fl-respec'])).items.filter((p: any) => !p.metadata.deletionTimestamp);
      const fresh = items.filter((p: any) => !first.includes(p.metadata.uid) && p.metadata.annotations['sedna.io/job-generation'] === '2');
      return items.length === 2 && fresh.length === 2 ? true : undefined;
    }, 30_000);
    const agg = (await getJson(['pods', '-l', 'federatedlearningjob.sedna.io/name=fl-respec,federatedlearningjob.sedna.io/worker-type=aggregation'])).items.find((p: any) => !p.metadata.deletionTimestamp);
    expect(agg.spec.containers[0].env.find((e: any) => e.name === 'flavour').value).toBe('b');
    await sedna(['delete', 'fl', 'fl-respec', '--data-dir', dataDir]);
  });
});
