/**
 * `npm run bench -- joint_inference`: joint inference on the 10,000 Fashion-MNIST test images with the example's
 * two models (trained first if missing): a CrossEntropy threshold sweep (table), then the edge worker's pipeline
 * (the lib's JointInference, one image at a time, hard ones to a BigModelService over HTTP on 127.0.0.1) with
 * accuracy, upload ratio, throughput and per-sample latency of easy and hard images, and the edge's own throughput
 * (little model plus the mining decision) with and without hard example mining. Last line: one JSON object.
 *   npm run bench -- joint_inference [--models DIR] [--threshold 0.7]
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { modelPaths } from '../../examples/joint_inference/fashion_mnist/models.js';
import { sweepThresholds } from '../../examples/joint_inference/fashion_mnist/sweep.js';
import { trainModels } from '../../examples/joint_inference/fashion_mnist/train.js';
import { BigModelService, JointInference } from '../../packages/lib/src/core/joint_inference/index.js';
import { CrossEntropyFilter } from '../../packages/lib/src/algorithms/hard_example_mining/index.js';
import { OnnxEstimator } from '../../packages/lib/src/backend/index.js';
import { loadFashionMnist } from '../../packages/lib/src/datasources/index.js';

const { values } = parseArgs({ options: { models: { type: 'string', default: '/tmp/sedna-ji-fashion-mnist/models' }, threshold: { type: 'string', default: '0.7' } } });
const log = (m: string): void => void process.stderr.write(`[joint_inference bench] ${m}\n`);
const modelsDir = values.models!;
const threshold = Number(values.threshold);
const paths = modelPaths(modelsDir);
if (!existsSync(paths.little) || !existsSync(paths.big)) {
  log(`training the example's models into ${modelsDir}`);
  await trainModels({ outDir: modelsDir, log });
}

const sweep = await sweepThresholds(modelsDir, 0, 10_000, [0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1]);
console.log('threshold  upload_ratio  joint_acc');
for (const p of sweep.points) console.log(`${p.threshold.toFixed(1).padStart(9)}  ${p.uploadRatio.toFixed(4).padStart(12)}  ${p.jointAccuracy.toFixed(4).padStart(9)}`);

const test = await loadFashionMnist({ split: 'test', count: 10_000 });
const [, ...featureShape] = test.x.shape;
const sampleSize = featureShape.reduce((a, b) => a * b, 1);
const sample = (i: number) => ({ data: test.x.data.subarray(i * sampleSize, (i + 1) * sampleSize), shape: [1, ...featureShape] });
const percentile = (xs: number[], p: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))] ?? Number.NaN;
const round = (x: number, d = 2): number => Number(x.toFixed(d));

// The edge's own work per image: the little model, and the mining decision on its answer. The two are timed
// apart (the decision is far cheaper than the model, and timing them together drowns it in noise): the model over
// the 10,000 images (best of 3 passes), the decision over its 10,000 answers (best of 20 passes).
const little = new OnnxEstimator();
await little.load(paths.little);
const filter = new CrossEntropyFilter({ threshold_cross_entropy: String(threshold) });
const answers: Float32Array[] = [];
let inferSeconds = Infinity;
for (let pass = 0; pass < 4; pass++) {
  const t = performance.now();
  for (let i = 0; i < 10_000; i++) {
    const out = await little.predict(sample(i));
    if (pass === 0) answers.push(out.data.slice());
  }
  if (pass > 0) inferSeconds = Math.min(inferSeconds, (performance.now() - t) / 1000);
}
let mineSeconds = Infinity;
let hardCount = 0;
for (let pass = 0; pass < 20; pass++) {
  const t = performance.now();
  hardCount = 0;
  for (const a of answers) if (filter.isHard(a)) hardCount++;
  mineSeconds = Math.min(mineSeconds, (performance.now() - t) / 1000);
}
const edgeNoHem = 10_000 / inferSeconds;
const edgeHem = 10_000 / (inferSeconds + mineSeconds);
log(`edge alone: ${edgeNoHem.toFixed(0)} images/s without mining, ${edgeHem.toFixed(0)} with (${hardCount} hard)`);

// The whole edge worker pipeline: JointInference with the cloud behind HTTP.
const big = new OnnxEstimator();
await big.load(paths.big);
const service = new BigModelService({ estimator: big, modelUrl: false, host: '127.0.0.1', port: 0, jobName: 'bench', log: () => undefined });
const address = await service.start();
const ji = await JointInference.create({
  estimator: little,
  modelUrl: false,
  hardExampleMining: filter,
  reporter: false,
  env: { BIG_MODEL_IP: '127.0.0.1', BIG_MODEL_PORT: String(address.port), JOB_NAME: 'bench' },
  log: () => undefined,
});
const easy: number[] = [];
const hard: number[] = [];
let correct = 0;
const start = performance.now();
for (let i = 0; i < 10_000; i++) {
  const t = performance.now();
  const outcome = await ji.infer(sample(i));
  const ms = performance.now() - t;
  const { isHardExample: isHard, result } = outcome;
  (isHard ? hard : easy).push(ms);
  let best = 0;
  for (let j = 1; j < result.data.length; j++) if (result.data[j]! > result.data[best]!) best = j;
  if (best === test.y[i]) correct++;
}
const seconds = (performance.now() - start) / 1000;
await ji.close();
await service.stop();
little.dispose?.();
big.dispose?.();
const jointAcc = correct / 10_000;
log(`joint: ${(jointAcc * 100).toFixed(2)} % with ${hard.length} of 10000 images sent to the cloud, ${(10_000 / seconds).toFixed(0)} images/s`);

console.log(
  JSON.stringify({
    edge_acc: round(sweep.edgeAccuracy, 4),
    cloud_acc: round(sweep.cloudAccuracy, 4),
    joint_acc: round(jointAcc, 4),
    upload_ratio: round(hard.length / 10_000, 4),
    threshold_cross_entropy: threshold,
    joint_throughput_per_s: Math.round(10_000 / seconds),
    edge_throughput_per_s: Math.round(edgeHem),
    edge_throughput_no_hem_per_s: Math.round(edgeNoHem),
    hem_throughput_cost_pct: round(((edgeNoHem - edgeHem) / edgeNoHem) * 100),
    latency_easy_p50_ms: round(percentile(easy, 0.5), 3),
    latency_easy_p99_ms: round(percentile(easy, 0.99), 3),
    latency_hard_p50_ms: round(percentile(hard, 0.5), 3),
    latency_hard_p99_ms: round(percentile(hard, 0.99), 3),
    models: join(modelsDir),
    targets: { joint_acc: 'within 1 point of cloud_acc with upload_ratio <= 0.30', hem_throughput_cost_pct: '< 5' },
  }),
);
process.exit(0);
