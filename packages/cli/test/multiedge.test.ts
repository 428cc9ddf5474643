/**
 * The five multi-edge controllers on the all-in-one control plane with small stand-in workers (the example has the
 * real ones): services reach Running with their replica counts (replicas omitted means 1), workers find each other's
 * Services through the original environment variables (and their names, FE_SERVICE_NAME), a kafkaSupport worker gets
 * the control plane's broker (`--broker nats`), reports land in status.metrics and the jobs' condition data, a job
 * completes when its worker exits 0 and fails after backoffLimit failures, retried after a Job's backoff delay.
 */
import { connect } from 'node:net';
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { up, type UpHandle } from '../src/commands/up.js';
import { stopControlPlaneAndPods } from './pod-processes.js';
import { ensureBuilt, sedna, tempDir, waitFor } from './harness.js';

let handle: UpHandle;
let dataDir: string;

/** Serves on the given port variable, reports counters as `kind`, then exits with `exit` after `ms` (or runs on). */
function worker(portVar: string | null, kind: string, exit: number | null, ms = 300): string {
  return `
const http = require('http');
if (${JSON.stringify(portVar)}) http.createServer((q, s) => s.end(process.env.WORKER_NAME)).listen(Number(process.env[${JSON.stringify(portVar)}]));
const report = (body) => new Promise((res, rej) => { const q = http.request(process.env.LC_SERVER + '/sedna/workers/' + process.env.WORKER_NAME + '/info', { method: 'POST', headers: { 'Content-Type': 'application/json' } }, (r) => { r.resume(); r.on('end', () => res(r.statusCode)); }); q.on('error', rej); q.end(JSON.stringify(body)); });
(async () => {
  const owner = process.env.JOB_NAME || process.env.SERVICE_NAME;
  console.log('report', await report({ name: process.env.WORKER_NAME, namespace: process.env.NAMESPACE, ownerName: owner, ownerKind: ${JSON.stringify(kind)}, kind: 'inference', status: 'running', ownerInfo: { frames: 7 } }));
  console.log('env', JSON.stringify(process.env));
  ${exit === null ? 'setInterval(() => {}, 1000);' : `setTimeout(() => process.exit(${exit}), ${ms});`}
})();`;
}

const container = (src: string) => `containers: [{name: w, command: ["node", "-e", ${JSON.stringify(src)}]}]`;

const manifest = `apiVersion: sedna.io/v1alpha1
kind: Model
metadata: {name: fe-model}
spec: {url: /models/fe.onnx, format: onnx}
---
apiVersion: sedna.io/v1alpha1
kind: Model
metadata: {name: det-model}
spec: {url: /models/det.onnx, format: onnx}
---
apiVersion: sedna.io/v1alpha1
kind: FeatureExtractionService
metadata: {name: feature-extraction}
spec:
  model: {name: fe-model}
  kafkaSupport: true
  selector: {matchLabels: {app: fe}}
  template:
    metadata: {labels: {app: fe}}
    spec: {${container(worker('FE_MODEL_BIND_PORT', 'featureextractionservice', null))}}
---
apiVersion: sedna.io/v1alpha1
kind: ObjectSearchService
metadata: {name: search}
spec:
  userWorker:
    template: {spec: {${container(worker('USER_WORKER_BIND_PORT', 'objectsearchservice', null))}}}
  trackingWorkers:
  - template: {spec: {nodeName: edge-node-1, ${container(worker(null, 'objectsearchservice', null))}}}
  - template: {spec: {nodeSelector: {kubernetes.io/hostname: edge-node-2}, ${container(worker(null, 'objectsearchservice', null))}}}
  reidWorkers:
    replicas: 2
    template: {spec: {${container(worker(null, 'objectsearchservice', null))}}}
---
apiVersion: sedna.io/v1alpha1
kind: ObjectTrackingService
metadata: {name: tracking}
spec:
  trackingWorkers:
  - template: {spec: {${container(worker(null, 'objecttrackingservice', null))}}}
  reidWorkers:
    template: {spec: {${container(worker('REID_MODEL_BIND_PORT', 'objecttrackingservice', null))}}}
`;

const jobs = `apiVersion: sedna.io/v1alpha1
kind: VideoAnalyticsJob
metadata: {name: camera-a}
spec:
  model: {name: det-model}
  template: {spec: {nodeName: edge-node-1, ${container(worker('DET_MODEL_BIND_PORT', 'videoanalyticsjob', 0, 1500))}}}
---
apiVersion: sedna.io/v1alpha1
kind: ReidJob
metadata: {name: reid}
spec:
  backoffLimit: 1
  template: {spec: {${container(worker(null, 'reidjob', 3))}}}
`;

async function getJson(args: string[]): Promise<any> {
  const r = await sedna(['get', ...args, '-o', 'json', '--data-dir', dataDir]);
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout);
}

function envOf(pod: any): Record<string, string> {
  return Object.fromEntries(pod.spec.containers[0].env.map((e: any) => [e.name, e.value]));
}

beforeAll(async () => {
  ensureBuilt();
  dataDir = tempDir('sedna-multiedge-');
  handle = await up({ dataDir, edgeNodes: 2, apiPort: 0, hubPort: 0, datasetRoots: [dataDir], broker: 'nats', brokerPort: 0, log: () => undefined });
}, 120_000);
afterAll(async () => {
  await stopControlPlaneAndPods(dataDir, () => handle?.stop());
  rmSync(dataDir, { recursive: true, force: true });
});

describe('multi-edge controllers', () => {
  it('runs the services with their replicas, Services and reports', async () => {
    const applied = await sedna(['apply', '-f', '-', '--data-dir', dataDir], manifest);
    expect(applied.status, applied.stderr).toBe(0);
    const fe = await waitFor('fe Running with metrics', async () => {
      const o = await getJson(['fe', 'feature-extraction']);
      return o.status?.metrics?.length && o.status.conditions?.at(-1)?.type === 'Running' ? o : undefined;
    }, 30_000);
    expect(fe.status.active).toBe(1);
    expect(fe.status.metrics).toEqual([{ key: 'frames', value: '7' }]);
    const objs = await waitFor('objs Running', async () => {
      const o = await getJson(['objs', 'search']);
      return o.status?.conditions?.at(-1)?.type === 'Running' && o.status.metrics?.length ? o : undefined;
    }, 30_000);
    expect(objs.status.active).toBe(5); // user worker, two ReID workers, two tracking workers
    const objt = await waitFor('objt Running', async () => {
      const o = await getJson(['objt', 'tracking']);
      return o.status?.conditions?.at(-1)?.type === 'Running' ? o : undefined;
    }, 30_000);
    expect(objt.status.active).toBe(2);

    const services = Object.fromEntries((await getJson(['services'])).items.map((s: any) => [s.metadata.name, s]));
    for (const name of ['feature-extraction-fe', 'search-userworker', 'search-reidworker', 'tracking-reidworker']) expect(services[name], name).toBeDefined();
    expect(services['feature-extraction-fe'].metadata.labels['app.sedna.io']).toBe('feature-extraction-fe-svc');

    const pods = (await getJson(['pods'])).items;
    const feEnv = envOf(pods.find((p: any) => p.metadata.labels['featureextractionservice.sedna.io/name'] === 'feature-extraction'));
    expect(feEnv).toMatchObject({ SERVICE_NAME: 'feature-extraction', MODEL_URL: '/models/fe.onnx', KAFKA_ENABLED: 'true', FE_MODEL_BIND_PORT: String(services['feature-extraction-fe'].spec.ports[0].nodePort) });
    // kafkaSupport and no broker in the template: the control plane's nats-server, which answers as one.
    expect(handle.brokerUrl).toMatch(/^nats:\/\/127\.0\.0\.1:\d+$/);
    expect(feEnv['BROKER_URL']).toBe(handle.brokerUrl);
    const info = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(new URL(handle.brokerUrl!).port), '127.0.0.1');
      socket.once('data', (d) => {
        socket.destroy();
        resolve(d.toString());
      });
      socket.once('error', reject);
    });
    expect(info).toMatch(/^INFO .*"jetstream":true/);
    const tracking = pods.filter((p: any) => (p.metadata.labels['objectsearchservice.sedna.io/worker-type'] ?? '').startsWith('trackingworker-'));
    expect(tracking.map((p: any) => p.spec.nodeName).sort()).toEqual(['edge-node-1', 'edge-node-2']);
    const tEnv = envOf(tracking[0]);
    expect(tEnv['WORKER_NAME']).toMatch(/^trackingworker-/);
    expect(tEnv['USERWORKER_URL']).toBe(`127.0.0.1:${services['search-userworker'].spec.ports[0].nodePort}`);
    expect(tEnv['EDGEMESH_URL']).toBe(`127.0.0.1:${services['search-reidworker'].spec.ports[0].nodePort}`);
    expect(tEnv['LC_SERVER']).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  }, 90_000);

  it('completes a job whose worker exits 0 and fails one after backoffLimit failures', async () => {
    const applied = await sedna(['apply', '-f', '-', '--data-dir', dataDir], jobs);
    expect(applied.status, applied.stderr).toBe(0);
    const va = await waitFor('va Succeeded', async () => {
      const o = await getJson(['va', 'camera-a']);
      return o.status?.phase === 'Succeeded' ? o : undefined;
    }, 30_000);
    expect(va.status.conditions.map((c: any) => c.type)).toContain('Completed');
    expect(va.status.metrics).toEqual([{ key: 'frames', value: '7' }]);
    expect(JSON.parse(va.status.conditions.find((c: any) => c.type === 'Running').data).output.ownerInfo.frames).toBe(7);
    const vaPod = (await getJson(['pods', '-l', 'videoanalyticsjob.sedna.io/name=camera-a'])).items[0];
    const fePort = (await getJson(['service', 'feature-extraction-fe'])).spec.ports[0].nodePort;
    expect(envOf(vaPod)).toMatchObject({ JOB_NAME: 'camera-a', MODEL_NAME: 'det-model', MODEL_URL: '/models/det.onnx', FE_MODEL_BIND_URL: '127.0.0.1', FE_MODEL_BIND_PORT: String(fePort), FE_SERVICE_NAME: 'feature-extraction' });
    expect(envOf(vaPod)['BROKER_URL']).toBeUndefined(); // no kafkaSupport
    // The second worker starts 10 s after the first failed (a Job's backoff), so this takes a little longer.
    const reid = await waitFor('reid Failed', async () => {
      const o = await getJson(['reid', 'reid']);
      return o.status?.phase === 'Failed' ? o : undefined;
    }, 60_000);
    expect(reid.status.failed).toBe(2);
    expect(reid.status.conditions.at(-1)).toMatchObject({ type: 'Failed', reason: 'BackoffLimitExceeded' });
    const reidPods = (await getJson(['pods', '-l', 'reidjob.sedna.io/name=reid'])).items;
    const [first, second] = reidPods.sort((a: any, b: any) => a.metadata.creationTimestamp.localeCompare(b.metadata.creationTimestamp));
    const firstEnded = Date.parse(first.status.containerStatuses[0].state.terminated.finishedAt);
    expect(Date.parse(second.metadata.creationTimestamp) - firstEnded).toBeGreaterThanOrEqual(9_000); // creationTimestamp has whole seconds
    const events = (await getJson(['events'])).items.filter((e: any) => e.involvedObject.name === 'reid');
    expect(events.find((e: any) => e.reason === 'WorkerRestarted')?.message).toMatch(/after a 10 s backoff/);
    expect(events.map((e: any) => e.reason)).toContain('WorkerRestarted');
    expect(events.map((e: any) => e.reason)).toContain('BackoffLimitExceeded');
  }, 120_000);
});
