/**
 * What the console's end-to-end tests run: small stand-in workers of a joint inference service (the real
 * Fashion-MNIST workers have their own example tests), and the cleanup of whatever they left behind.
 *
 * The cloud worker serves on the port its Service was given. The edge worker asks it once, logs the answer,
 * reports counters to its LC, and keeps inferring: its counters grow, served in Prometheus' text format on the
 * Unix socket its LC named (SEDNA_METRICS_SOCKET), as @sedna/lib's workers do.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export const cloudWorker = `const http = require('http'); http.createServer((q, s) => s.end('big model here')).listen(Number(process.env.BIG_MODEL_BIND_PORT), () => console.log('serving on', process.env.BIG_MODEL_BIND_PORT));`;

export const edgeWorker = `
const http = require('http');
const get = () => new Promise((res, rej) => http.get({ host: process.env.BIG_MODEL_IP, port: Number(process.env.BIG_MODEL_PORT), path: '/' }, (r) => { let b = ''; r.on('data', (c) => (b += c)); r.on('end', () => res(b)); }).on('error', rej));
const report = (body) => new Promise((res, rej) => { const q = http.request(process.env.LC_SERVER + '/sedna/workers/' + process.env.WORKER_NAME + '/info', { method: 'POST', headers: { 'Content-Type': 'application/json' } }, (r) => { r.resume(); r.on('end', () => res(r.statusCode)); }); q.on('error', rej); q.end(JSON.stringify(body)); });
let inferences = 0;
let hard = 0;
if (process.env.SEDNA_METRICS_SOCKET) {
  const labels = '{namespace="' + process.env.NAMESPACE + '",name="' + process.env.JOB_NAME + '"}';
  http.createServer((q, s) => {
    s.setHeader('Content-Type', 'text/plain; version=0.0.4');
    s.end('# TYPE sedna_joint_inference_edge_inferences_total counter\\nsedna_joint_inference_edge_inferences_total' + labels + ' ' + inferences + '\\n# TYPE sedna_joint_inference_hard_samples_total counter\\nsedna_joint_inference_hard_samples_total' + labels + ' ' + hard + '\\n');
  }).listen(process.env.SEDNA_METRICS_SOCKET);
}
(async () => {
  for (let i = 0; i < 20; i++) console.log('edge frame', i, 'inferred locally');
  let answer;
  for (let i = 0; i < 100 && !answer; i++) { try { answer = await get(); } catch { await new Promise((r) => setTimeout(r, 100)); } }
  console.log('cloud said:', answer);
  await report({ name: process.env.WORKER_NAME, namespace: process.env.NAMESPACE, ownerName: process.env.JOB_NAME, ownerKind: 'jointinferenceservice', kind: 'inference', status: 'running', ownerInfo: { inferenceNumber: 10, hardExampleNumber: 2, uploadCloudRatio: 0.2, startTime: 'x', updateTime: 'y' } });
  setInterval(() => { inferences += 5; if (inferences % 25 === 0) hard += 1; }, 500);
})();`;

/**
 * A stand-in camera of a VideoAnalyticsJob (an ES module): it records ten frames a second, some with detections,
 * and its frame rate through the lib's own multi-edge recorder (`libMetrics`: the built `@sedna/lib/metrics`), so
 * its /metrics are a real worker's, served on the socket its LC named.
 */
export function cameraWorker(libMetrics: string): string {
  return `
const { multiEdgeRecorder } = await import(${JSON.stringify(pathToFileURL(libMetrics).href)});
const camera = multiEdgeRecorder().camera(process.env.video_id || 'camera');
const started = Date.now();
let frames = 0;
console.log('camera', process.env.video_id, 'streaming');
setInterval(() => {
  frames++;
  camera.frame(frames % 3 === 0 ? 2 : 1);
  camera.fps(Math.round((frames / ((Date.now() - started) / 1000)) * 100) / 100);
}, 100);
`;
}

/**
 * The YAML of a joint inference service `name` run by the stand-ins written to `workDir` (edge.js on edge-node-1,
 * cloud.js on cloud-node), with the two Models it names.
 */
export function standInJointInferenceYaml(name: string, workDir: string): string {
  return `apiVersion: sedna.io/v1alpha1
kind: Model
metadata: {name: little}
spec: {url: /models/little.onnx, format: onnx}
---
apiVersion: sedna.io/v1alpha1
kind: Model
metadata: {name: big}
spec: {url: /models/big.onnx, format: onnx}
---
apiVersion: sedna.io/v1alpha1
kind: JointInferenceService
metadata: {name: ${name}}
spec:
  edgeWorker:
    model: {name: little}
    hardExampleMining: {name: IBT}
    template: {spec: {nodeName: edge-node-1, containers: [{name: edge, image: x, command: ["node", "${join(workDir, 'edge.js')}"]}]}}
  cloudWorker:
    model: {name: big}
    template: {spec: {nodeName: cloud-node, containers: [{name: cloud, image: x, command: ["node", "${join(workDir, 'cloud.js')}"]}]}}
`;
}

/** Workers whose command line names this test's work dir: the stand-ins it started (ended whatever state they are in). */
export function killWorkersOf(dir: string): void {
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(dir)) process.kill(Number(pid), 'SIGKILL');
    } catch {
      // gone already, or not ours to read
    }
  }
}
