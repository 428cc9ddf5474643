/**
 * `npm run bench -- joint_inference`: joint inference on Fashion-MNIST with the example's two models, the edge and
 * the cloud in separate processes over an emulated link (the cloud worker in a network namespace, 20 Mbit/s each
 * way by `tc tbf` and 20 ms round trip by a delay relay, bench/common/emulated-link.ts, since this kernel has no
 * netem), 8 concurrent camera streams on the edge.
 *
 * 1. Models: the example's little and big models, trained on the first 55,000 training images (kept in --models).
 * 2. The CrossEntropy threshold is chosen on validation data, training images 55,000-59,999 (never used for
 *    training), by a rule fixed in advance: the lowest upload ratio whose joint accuracy is within 0.5 point of the
 *    big model's; the test set is used once, for the reported accuracies.
 * 3. Throughput and latency: rounds of the three modes, the order rotating every round: edge only (the little model
 *    answers everything), cloud only (every image crosses the link to the big model), joint (hard images only).
 *    Each mode streams --images-per-round test images through --streams concurrent streams, one image at a time per
 *    stream, through the lib's JointInference (the cloud through its BigModelClient over HTTP). Throughput is images
 *    per second of the round; latency is per image. Figures are medians with interquartile ranges over the rounds;
 *    joint_throughput_vs_cloud_only is taken per round.
 *   npm run bench -- joint_inference [--models DIR] [--rounds 5] [--streams 8] [--images-per-round 2000]
 *                                    [--rtt-ms 20] [--rate-mbit 20]
 * Needs root (network namespaces); the cloud worker is the example's own cloud_worker.ts.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { modelPaths } from '../../examples/joint_inference/fashion_mnist/models.js';
import { sweepThresholds } from '../../examples/joint_inference/fashion_mnist/sweep.js';
import { trainModels } from '../../examples/joint_inference/fashion_mnist/train.js';
import { CloudOnlyFilter, CrossEntropyFilter, EdgeOnlyFilter, type HardExampleMining } from '@sedna/lib/algorithms';
import { OnnxEstimator } from '@sedna/lib/estimators/onnx';
import { JointInference } from '@sedna/lib/joint-inference';
import { loadFashionMnist } from '@sedna/lib/datasources';
import { EmulatedLink } from '../common/emulated-link.js';
import { figure, percentile, round } from '../common/stats.js';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(here, '..', '..');
const { values } = parseArgs({
  options: {
    models: { type: 'string', default: '/tmp/sedna-ji-fashion-mnist/models-validation' },
    rounds: { type: 'string', default: '5' },
    streams: { type: 'string', default: '8' },
    'images-per-round': { type: 'string', default: '2000' },
    'rtt-ms': { type: 'string', default: '20' },
    'rate-mbit': { type: 'string', default: '20' },
  },
});
const log = (m: string): void => void process.stderr.write(`[joint_inference bench] ${m}\n`);
const positive = (name: string, value: string | undefined): number => {
  const n = Number(value);
  if (!(n > 0)) throw new Error(`--${name} must be a positive number, got ${value}`);
  return n;
};
const ROUNDS = positive('rounds', values.rounds);
const STREAMS = positive('streams', values.streams);
const IMAGES = positive('images-per-round', values['images-per-round']);
const RTT_MS = positive('rtt-ms', values['rtt-ms']);
const RATE_MBIT = positive('rate-mbit', values['rate-mbit']);
const TRAIN_IMAGES = 55_000;
const VALIDATION = { offset: 55_000, count: 5_000 };
const CLOUD_PORT = 5000;
const THRESHOLDS = Array.from({ length: 21 }, (_, i) => round(i * 0.05, 2));

// 1. Models trained without the validation slice.
const modelsDir = values.models!;
const paths = modelPaths(modelsDir);
if (!existsSync(paths.little) || !existsSync(paths.big)) {
  log(`training the example's models on the first ${TRAIN_IMAGES} training images into ${modelsDir}`);
  await trainModels({ outDir: modelsDir, trainCount: TRAIN_IMAGES, log });
}

// 2. The threshold, chosen on validation data.
const validation = await sweepThresholds(modelsDir, VALIDATION.offset, VALIDATION.count, THRESHOLDS, 'train');
const eligible = validation.points.filter((p) => p.jointAccuracy >= validation.cloudAccuracy - 0.005);
const chosen = (eligible.length > 0 ? eligible : validation.points).reduce((best, p) =>
  eligible.length > 0 ? (p.uploadRatio < best.uploadRatio ? p : best) : p.jointAccuracy > best.jointAccuracy ? p : best,
);
log(`validation (${VALIDATION.count} training images): cloud ${(validation.cloudAccuracy * 100).toFixed(2)} %; threshold ${chosen.threshold} sends ${(chosen.uploadRatio * 100).toFixed(2)} % for ${(chosen.jointAccuracy * 100).toFixed(2)} %`);
const test = await sweepThresholds(modelsDir, 0, 10_000, [chosen.threshold], 'test');
const testPoint = test.points[0]!;
log(`test (once): edge ${(test.edgeAccuracy * 100).toFixed(2)} %, cloud ${(test.cloudAccuracy * 100).toFixed(2)} %, joint ${(testPoint.jointAccuracy * 100).toFixed(2)} % sending ${(testPoint.uploadRatio * 100).toFixed(2)} %`);

// 3. The link and the cloud worker beyond it.
const link = EmulatedLink.open({ name: 'sedna-bji', subnet: 7, rttMs: RTT_MS, rateMbit: RATE_MBIT });
const cloud = link.exec(process.execPath, ['--conditions=source', '--import', 'tsx', join(repoRoot, 'examples/joint_inference/fashion_mnist/cloud_worker.ts')], {
  cwd: repoRoot,
  env: { ...process.env, MODEL_URL: paths.big, BIG_MODEL_BIND_IP: link.peerIp, BIG_MODEL_BIND_PORT: String(CLOUD_PORT), JOB_NAME: 'bench' },
  stdio: ['ignore', 'pipe', 'pipe'],
});
const stopAll = (): void => {
  cloud.kill('SIGTERM');
  link.close();
};
try {
  await new Promise<void>((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`the cloud worker did not start within 60 s: ${output}`)), 60_000);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      if (/serving http/.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    };
    cloud.stdout!.on('data', onData);
    cloud.stderr!.on('data', onData);
    cloud.once('exit', (code) => reject(new Error(`the cloud worker exited (${String(code)}): ${output}`)));
  });
  const relay = await link.relayTo(CLOUD_PORT);
  log(`cloud worker serving at ${link.peerIp}:${CLOUD_PORT}, reached through ${relay.host}:${relay.port} with ${RTT_MS} ms RTT, ${RATE_MBIT} Mbit/s`);

  const images = await loadFashionMnist({ split: 'test', count: 10_000 });
  const [, ...featureShape] = images.x.shape;
  const sampleSize = featureShape.reduce((a, b) => a * b, 1);
  const sample = (i: number) => ({ data: images.x.data.subarray(i * sampleSize, (i + 1) * sampleSize), shape: [1, ...featureShape] });
  const little = new OnnxEstimator();
  await little.load(paths.little);

  type Mode = 'edge' | 'cloud' | 'joint';
  const mining = (mode: Mode): HardExampleMining =>
    mode === 'edge' ? new EdgeOnlyFilter() : mode === 'cloud' ? new CloudOnlyFilter() : new CrossEntropyFilter({ threshold_cross_entropy: String(chosen.threshold) });
  const workers = new Map<Mode, JointInference[]>();
  for (const mode of ['edge', 'cloud', 'joint'] as const) {
    const streams: JointInference[] = [];
    for (let s = 0; s < STREAMS; s++) {
      streams.push(
        await JointInference.create({
          estimator: little,
          modelUrl: false,
          hardExampleMining: mining(mode),
          reporter: false,
          env: { BIG_MODEL_IP: relay.host, BIG_MODEL_PORT: String(relay.port), JOB_NAME: 'bench' },
          log: () => undefined,
        }),
      );
    }
    workers.set(mode, streams);
  }

  /** One round of a mode: IMAGES images from `offset`, STREAMS at a time. */
  const runMode = async (mode: Mode, offset: number): Promise<{ perSecond: number; latencies: number[] }> => {
    const latencies: number[] = [];
    let next = 0;
    const start = performance.now();
    await Promise.all(
      workers.get(mode)!.map(async (ji) => {
        for (let k = next++; k < IMAGES; k = next++) {
          const t = performance.now();
          await ji.infer(sample((offset + k) % 10_000));
          latencies.push(performance.now() - t);
        }
      }),
    );
    return { perSecond: IMAGES / ((performance.now() - start) / 1000), latencies };
  };

  const modes: Mode[] = ['edge', 'cloud', 'joint'];
  const results: Record<Mode, { perSecond: number[]; p50: number[]; p99: number[] }> = {
    edge: { perSecond: [], p50: [], p99: [] },
    cloud: { perSecond: [], p50: [], p99: [] },
    joint: { perSecond: [], p50: [], p99: [] },
  };
  log('warm-up: one short pass of each mode');
  for (const mode of modes) await runMode(mode, 0);
  for (let r = 0; r < ROUNDS; r++) {
    // Rotate the order so no mode always follows the same one.
    const order = modes.map((_, i) => modes[(i + r) % modes.length]!);
    for (const mode of order) {
      const run = await runMode(mode, (r * IMAGES) % 10_000);
      results[mode].perSecond.push(run.perSecond);
      results[mode].p50.push(percentile(run.latencies, 0.5));
      results[mode].p99.push(percentile(run.latencies, 0.99));
    }
    log(`round ${r + 1}/${ROUNDS}: ${modes.map((m) => `${m} ${results[m].perSecond.at(-1)!.toFixed(0)}/s p99 ${results[m].p99.at(-1)!.toFixed(1)} ms`).join(', ')}`);
  }
  for (const streams of workers.values()) for (const ji of streams) await ji.close();
  little.dispose?.();

  const ratio = results.joint.perSecond.map((j, i) => j / results.cloud.perSecond[i]!);
  const accuracyGap = (test.cloudAccuracy - testPoint.jointAccuracy) * 100;
  console.log(
    JSON.stringify({
      edge_acc: round(test.edgeAccuracy, 4),
      cloud_acc: round(test.cloudAccuracy, 4),
      joint_acc: round(testPoint.jointAccuracy, 4),
      joint_acc_gap_to_cloud_points: round(accuracyGap, 2),
      upload_ratio: round(testPoint.uploadRatio, 4),
      threshold_cross_entropy: chosen.threshold,
      validation_cloud_acc: round(validation.cloudAccuracy, 4),
      validation_joint_acc: round(chosen.jointAccuracy, 4),
      validation_upload_ratio: round(chosen.uploadRatio, 4),
      ...figure('joint_throughput_vs_cloud_only', ratio, 2),
      ...figure('joint_throughput_per_s', results.joint.perSecond, 0),
      ...figure('cloud_only_throughput_per_s', results.cloud.perSecond, 0),
      ...figure('edge_only_throughput_per_s', results.edge.perSecond, 0),
      ...figure('joint_latency_p50_ms', results.joint.p50, 2),
      ...figure('joint_latency_p99_ms', results.joint.p99, 2),
      ...figure('cloud_only_latency_p50_ms', results.cloud.p50, 2),
      ...figure('cloud_only_latency_p99_ms', results.cloud.p99, 2),
      ...figure('edge_only_latency_p50_ms', results.edge.p50, 3),
      ...figure('edge_only_latency_p99_ms', results.edge.p99, 3),
      streams: STREAMS,
      images_per_round: IMAGES,
      rounds: ROUNDS,
      link_rtt_ms: RTT_MS,
      link_rate_mbit: RATE_MBIT,
    }),
  );
} finally {
  stopAll();
}
process.exit(0);
