/**
 * Prepares the example's files (run.ts calls it; alone: `node --import tsx prepare.ts [--work DIR] [--fresh]`):
 * - the base model, trained on the Fashion-MNIST training set as it is (the initial model, format tfjs), and its
 *   ONNX export (the deploy model the inference worker serves);
 * - the new site: test images 0..frames-1 shifted (site.ts) as the camera's frames, with the ground truth the
 *   labeller knows; the last `holdout` test images shifted (and as they are) to measure accuracy;
 * - an empty dataset file, which the labeller fills.
 * Data comes from Debian's dataset-fashion-mnist package; nothing is downloaded.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile, copyFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { encodePgm, loadFashionMnist, MlpEstimator, saveOnnx, writeImageSet } from './lib.js';
import { DEFAULTS, MODEL_SPEC } from './model.js';
import { DEFAULT_WORK_DIR, workPaths, type WorkPaths } from './paths.js';
import { NEW_SITE, shiftImages } from './site.js';

export interface PrepareOptions {
  work: string;
  baseSamples: number;
  baseEpochs: number;
  frames: number;
  holdout: number;
  /** Redo everything even if a matching preparation exists. */
  fresh?: boolean;
  log?: (line: string) => void;
}

const TEST_SIZE = 10_000;

/** Prepares the work folder unless it already holds a preparation with the same options; returns its paths. */
export async function prepare(options: PrepareOptions): Promise<WorkPaths> {
  const p = workPaths(options.work);
  const log = options.log ?? ((line: string) => console.log(line));
  const wanted = { version: 1, baseSamples: options.baseSamples, baseEpochs: options.baseEpochs, frames: options.frames, holdout: options.holdout, site: NEW_SITE };
  if (options.frames + options.holdout > TEST_SIZE) throw new Error(`--frames (${options.frames}) + --holdout (${options.holdout}) must not exceed the ${TEST_SIZE} test images`);
  if (!options.fresh && existsSync(p.prepared) && JSON.stringify(JSON.parse(await readFile(p.prepared, 'utf8')).options) === JSON.stringify(wanted)) {
    log(`using the preparation in ${options.work}`);
    return p;
  }
  // A new preparation starts from a clean folder: old rounds, models and hard examples would mix in.
  await rm(options.work, { recursive: true, force: true });
  await mkdir(options.work, { recursive: true });

  log(`training the base model on ${options.baseSamples} Fashion-MNIST training images, ${options.baseEpochs} epochs...`);
  const train = await loadFashionMnist({ split: 'train', count: options.baseSamples });
  const base = new MlpEstimator({ spec: MODEL_SPEC, seed: 1 });
  const started = Date.now();
  const metrics = await base.train(train.x, train.y, { epochs: options.baseEpochs, batchSize: 64, learningRate: 0.001, seed: 1 });
  log(`  done in ${((Date.now() - started) / 1000).toFixed(1)} s (train accuracy ${metrics.accuracy?.toFixed(3)})`);
  await base.save(path.dirname(p.baseModel));
  await saveOnnx(base, p.baseOnnx);

  const test = await loadFashionMnist({ split: 'test' });
  log(`writing the new site: ${options.frames} camera frames and ${options.holdout} held-out images (shift ${JSON.stringify(NEW_SITE)})`);
  const frames = shiftImages(test.pixels.subarray(0, options.frames * 784), options.frames, 0);
  await mkdir(p.framesDir, { recursive: true });
  const index: string[] = [];
  const truth: string[] = [];
  for (let k = 0; k < options.frames; k++) {
    const id = `frame-${String(k).padStart(5, '0')}`;
    await writeFile(path.join(p.framesDir, `${id}.pgm`), encodePgm({ width: 28, height: 28, pixels: frames.subarray(k * 784, (k + 1) * 784) }));
    index.push(`${id}.pgm`);
    truth.push(`${id} ${test.y[k]}`);
  }
  await writeFile(p.framesIndex, index.join('\n') + '\n');
  await writeFile(p.groundTruth, truth.join('\n') + '\n');

  const first = TEST_SIZE - options.holdout;
  const heldOut = test.pixels.subarray(first * 784);
  await writeImageSet(shiftImages(heldOut, options.holdout, first), test.y.subarray(first), 28, 28, { dir: p.holdoutDir, prefix: 'site', firstNumber: first });
  await writeImageSet(heldOut, test.y.subarray(first), 28, 28, { dir: path.dirname(p.originalIndex), prefix: 'original', firstNumber: first });

  await mkdir(p.datasetImages, { recursive: true });
  await writeFile(p.dataset, '');
  // The deploy model starts as the base model (the control plane's deploy stage overwrites it round by round).
  await mkdir(path.dirname(p.deployModel), { recursive: true });
  await copyFile(p.baseOnnx, p.deployModel);
  await writeFile(p.prepared, JSON.stringify({ options: wanted, preparedAt: new Date().toISOString() }, null, 1));
  return p;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: {
      work: { type: 'string', default: DEFAULT_WORK_DIR },
      fresh: { type: 'boolean', default: false },
      'base-samples': { type: 'string', default: String(DEFAULTS.baseSamples) },
      'base-epochs': { type: 'string', default: String(DEFAULTS.baseEpochs) },
      frames: { type: 'string', default: String(DEFAULTS.frames) },
      holdout: { type: 'string', default: String(DEFAULTS.holdout) },
    },
  });
  await prepare({
    work: path.resolve(values.work),
    fresh: values.fresh,
    baseSamples: Number(values['base-samples']),
    baseEpochs: Number(values['base-epochs']),
    frames: Number(values.frames),
    holdout: Number(values.holdout),
  });
}
