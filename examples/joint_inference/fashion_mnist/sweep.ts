/**
 * The trade-off the CrossEntropy threshold sets: for each threshold, the share of test images the edge would send
 * to the cloud and the joint accuracy that gives. Both models run once over the images (ONNX Runtime, no HTTP);
 * each image then gets the answer the edge worker would give it: the big model's when the lib's CrossEntropy filter
 * finds the little model's answer hard, the little model's otherwise.
 *
 *   node --import tsx examples/joint_inference/fashion_mnist/sweep.ts --models <dir> [--offset N] [--count N]
 *        [--thresholds 0.1,0.2,...]
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { resolveHardExampleMining } from '@sedna/lib/joint-inference';
import { modelPaths } from './models.js';
import { FASHION_MNIST_SPLIT_SIZES, loadFashionMnist, OnnxEstimator, type Tensor } from './sedna-lib.js';

export interface SweepPoint {
  threshold: number;
  uploadRatio: number;
  jointAccuracy: number;
}

export interface SweepResult {
  images: number;
  edgeAccuracy: number;
  cloudAccuracy: number;
  points: SweepPoint[];
}

export const DEFAULT_THRESHOLDS = [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1];

async function predictWith(modelPath: string, x: Tensor): Promise<Tensor> {
  const estimator = new OnnxEstimator();
  try {
    await estimator.load(modelPath);
    return await estimator.predict(x);
  } finally {
    estimator.dispose();
  }
}

function argmax(row: Float32Array): number {
  let best = 0;
  for (let j = 1; j < row.length; j++) if ((row[j] as number) > (row[best] as number)) best = j;
  return best;
}

/** The sweep over `count` images from `offset` of a split (the test split by default; a held-out slice of the
 * training split to choose a threshold on validation data). */
export async function sweepThresholds(modelsDir: string, offset: number, count: number, thresholds: readonly number[], split: 'train' | 'test' = 'test'): Promise<SweepResult> {
  const test = await loadFashionMnist({ split, offset, count });
  const paths = modelPaths(modelsDir);
  const edge = await predictWith(paths.little, test.x);
  const cloud = await predictWith(paths.big, test.x);
  const classes = edge.shape[1] as number;
  const rowOf = (t: Tensor, i: number): Float32Array => t.data.subarray(i * classes, (i + 1) * classes);
  const edgeRight: boolean[] = [];
  const cloudRight: boolean[] = [];
  for (let i = 0; i < count; i++) {
    edgeRight.push(argmax(rowOf(edge, i)) === test.y[i]);
    cloudRight.push(argmax(rowOf(cloud, i)) === test.y[i]);
  }
  const points = thresholds.map((threshold) => {
    const hem = resolveHardExampleMining({ method: 'CrossEntropy', param: { threshold_cross_entropy: threshold } });
    let hard = 0;
    let right = 0;
    for (let i = 0; i < count; i++) {
      const isHard = hem?.isHard(rowOf(edge, i)) ?? false;
      if (isHard) hard++;
      if (isHard ? cloudRight[i] : edgeRight[i]) right++;
    }
    return { threshold, uploadRatio: hard / count, jointAccuracy: right / count };
  });
  const share = (flags: boolean[]): number => flags.filter(Boolean).length / count;
  return { images: count, edgeAccuracy: share(edgeRight), cloudAccuracy: share(cloudRight), points };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { models: { type: 'string' }, offset: { type: 'string' }, count: { type: 'string' }, thresholds: { type: 'string' } } });
  if (values.models === undefined) throw new Error('--models <dir> is required: the folder train.ts wrote the two ONNX models to');
  const offset = Number(values.offset ?? 0);
  const count = Number(values.count ?? FASHION_MNIST_SPLIT_SIZES.test - offset);
  if (!Number.isInteger(offset) || offset < 0) throw new Error(`--offset must be a non-negative integer, got ${values.offset}`);
  if (!Number.isInteger(count) || count < 1 || offset + count > FASHION_MNIST_SPLIT_SIZES.test) throw new Error(`--count must be 1..${FASHION_MNIST_SPLIT_SIZES.test - offset}, got ${values.count}`);
  const thresholds = values.thresholds === undefined ? DEFAULT_THRESHOLDS : values.thresholds.split(',').map(Number);
  if (thresholds.some((t) => !(t >= 0 && t <= 1))) throw new Error(`--thresholds must be numbers in [0, 1], got ${values.thresholds}`);
  const result = await sweepThresholds(resolve(values.models), offset, count, thresholds);
  console.log(`${result.images} test images from ${offset}; edge only ${pct(result.edgeAccuracy)}, cloud only ${pct(result.cloudAccuracy)}`);
  console.log('| threshold_cross_entropy | upload ratio | joint accuracy |');
  console.log('|---:|---:|---:|');
  for (const p of result.points) console.log(`| ${p.threshold} | ${pct(p.uploadRatio)} | ${pct(p.jointAccuracy)} |`);
}

function pct(value: number): string {
  return `${(100 * value).toFixed(2)} %`;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main().catch((error: unknown) => {
    console.error(`sweep: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}
