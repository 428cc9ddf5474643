/**
 * Trains the example's two models on the Fashion-MNIST training set (Debian's dataset-fashion-mnist) with the lib's
 * fast dense-network trainer, and exports both to ONNX with the lib's exporter:
 *
 *   node --import tsx examples/joint_inference/fashion_mnist/train.ts --out <dir>
 *        [--train-count N] [--epochs-little N] [--epochs-big N] [--test-count N] [--seed N]
 *
 * writes <dir>/little-model.onnx, <dir>/big-model.onnx and <dir>/training.json (settings and test accuracies).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { BIG_MODEL_SPEC, LITTLE_MODEL_SPEC, modelPaths } from './models.js';
import { FASHION_MNIST_SPLIT_SIZES, loadFashionMnist, type FashionMnistSlice, type ModelSpec } from './sedna-lib.js';
import { MlpEstimator, saveOnnx } from './sedna-lib-train.js';

export interface TrainOptions {
  /** Folder for the two .onnx files and training.json. */
  outDir: string;
  /** Training images used, from the start of the training split (default all 60,000). */
  trainCount?: number;
  /** Epochs of the little model (default 3). */
  epochsLittle?: number;
  /** Epochs of the big model (default 12). */
  epochsBig?: number;
  /** Test images the accuracies are measured on (default all 10,000). */
  testCount?: number;
  seed?: number;
  log?: (line: string) => void;
}

export interface ModelReport {
  file: string;
  epochs: number;
  parameters: number;
  trainSeconds: number;
  testAccuracy: number;
}

export interface TrainReport {
  trainImages: number;
  testImages: number;
  little: ModelReport;
  big: ModelReport;
}

export const TRAIN_DEFAULTS = { epochsLittle: 5, epochsBig: 12, seed: 7 };
const BATCH_SIZE = 64;
const LEARNING_RATE = 1e-3;

export async function trainModels(options: TrainOptions): Promise<TrainReport> {
  const log = options.log ?? ((line: string) => console.log(line));
  const trainCount = options.trainCount ?? FASHION_MNIST_SPLIT_SIZES.train;
  const testCount = options.testCount ?? FASHION_MNIST_SPLIT_SIZES.test;
  const seed = options.seed ?? TRAIN_DEFAULTS.seed;
  await mkdir(options.outDir, { recursive: true });
  const paths = modelPaths(options.outDir);

  log(`loading ${trainCount} training and ${testCount} test images of Fashion-MNIST`);
  const train = await loadFashionMnist({ split: 'train', count: trainCount });
  const test = await loadFashionMnist({ split: 'test', count: testCount });

  const little = await trainOne('little model (784-32-10 network)', LITTLE_MODEL_SPEC, options.epochsLittle ?? TRAIN_DEFAULTS.epochsLittle, paths.little);
  const big = await trainOne('big model (784-256-128-10 network)', BIG_MODEL_SPEC, options.epochsBig ?? TRAIN_DEFAULTS.epochsBig, paths.big);
  const report: TrainReport = { trainImages: trainCount, testImages: testCount, little, big };
  await writeFile(join(options.outDir, 'training.json'), `${JSON.stringify(report, null, 2)}\n`);
  log(`test accuracy: little ${percent(little.testAccuracy)}, big ${percent(big.testAccuracy)} (${testCount} test images)`);
  return report;

  async function trainOne(name: string, spec: ModelSpec, epochs: number, file: string): Promise<ModelReport> {
    if (!Number.isInteger(epochs) || epochs < 1) throw new Error(`epochs of the ${name} must be a positive integer, got ${epochs}`);
    const estimator = new MlpEstimator({ spec, seed });
    const parameters = estimator.getWeights().reduce((sum, w) => sum + w.data.length, 0);
    log(`training the ${name}, ${parameters} parameters, ${epochs} epochs`);
    const started = performance.now();
    for (let epoch = 1; epoch <= epochs; epoch++) {
      const metrics = await estimator.train(train.x, train.y, {
        epochs: 1,
        batchSize: BATCH_SIZE,
        learningRate: learningRateAt(epoch, epochs),
        seed: seed + epoch,
      });
      log(`  epoch ${epoch}/${epochs}: loss ${(metrics['loss'] as number).toFixed(4)}, train accuracy ${percent(metrics['accuracy'] as number)}, ${elapsed(started)}`);
    }
    const trainSeconds = (performance.now() - started) / 1000;
    const testAccuracy = await accuracyOf(estimator, test);
    await saveOnnx(estimator, file);
    log(`  test accuracy ${percent(testAccuracy)}; exported ${file}`);
    return { file, epochs, parameters, trainSeconds: round(trainSeconds, 1), testAccuracy };
  }
}

/**
 * Adam at 1e-3, and a third of it for the last quarter of the epochs (at least one when there are four or more):
 * the smaller steps settle the weights, worth about a point of test accuracy for the big model.
 */
function learningRateAt(epoch: number, epochs: number): number {
  const settling = Math.floor(epochs / 4);
  return epoch > epochs - settling ? LEARNING_RATE / 3 : LEARNING_RATE;
}

async function accuracyOf(estimator: MlpEstimator, test: FashionMnistSlice): Promise<number> {
  const metrics = await estimator.evaluate(test.x, test.y);
  return metrics['accuracy'] as number;
}

function percent(value: number): string {
  return `${(100 * value).toFixed(2)} %`;
}

function elapsed(started: number): string {
  return `${((performance.now() - started) / 1000).toFixed(1)} s`;
}

function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

function positiveInteger(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) throw new Error(`${flag} must be a positive integer, got ${JSON.stringify(value)}`);
  return number;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      out: { type: 'string' },
      'train-count': { type: 'string' },
      'epochs-little': { type: 'string' },
      'epochs-big': { type: 'string' },
      'test-count': { type: 'string' },
      seed: { type: 'string' },
    },
  });
  if (values.out === undefined) throw new Error('--out <dir> is required: the folder the two ONNX models are written to');
  const started = performance.now();
  const options: TrainOptions = { outDir: resolve(values.out) };
  const trainCount = positiveInteger(values['train-count'], '--train-count');
  const epochsLittle = positiveInteger(values['epochs-little'], '--epochs-little');
  const epochsBig = positiveInteger(values['epochs-big'], '--epochs-big');
  const testCount = positiveInteger(values['test-count'], '--test-count');
  const seed = positiveInteger(values.seed, '--seed');
  if (trainCount !== undefined) options.trainCount = trainCount;
  if (epochsLittle !== undefined) options.epochsLittle = epochsLittle;
  if (epochsBig !== undefined) options.epochsBig = epochsBig;
  if (testCount !== undefined) options.testCount = testCount;
  if (seed !== undefined) options.seed = seed;
  await trainModels(options);
  console.log(`done in ${elapsed(started)}`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main().catch((error: unknown) => {
    console.error(`train: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}
