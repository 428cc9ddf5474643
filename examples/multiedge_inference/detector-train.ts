/**
 * Training of the trained detector (./detector-trained.ts) with tfjs, and the choice of its score threshold on a
 * validation scenario. Kept apart from the runtime so that the camera workers do not load tfjs.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { buildLayersModel, exportLayersModelToOnnx, useEngine } from '@sedna/lib';
import { boxesFromScores, cellInputs, DETECTOR_MODEL_FILE, INPUTS, settingsPath, STRIDE, TrainedDetector } from './detector-trained.js';
import { rgbToGray, type Gray } from './image.js';
import { averagePrecision, type FrameResult, type GtFrame } from './metrics.js';
import { rng } from './rng.js';
import { CAMERAS, makeScenario, WORLD_WIDTH, type CameraSpec } from './scene.js';

/** Candidate thresholds: cells near an object score high too, and a high threshold keeps boxes tight. */
const THRESHOLDS = [0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.93, 0.95, 0.97];

/**
 * Chooses the score threshold by AP@0.5 on a validation scenario (seed 202, Fashion-MNIST test items from 6000 on:
 * neither those trained on nor those of the evaluated scenario) and writes it beside the model.
 */
export async function chooseThreshold(modelPath: string, frames = 80): Promise<{ threshold: number; ap: Record<string, number> }> {
  const detector = await TrainedDetector.load(modelPath);
  const scenario = await makeScenario({ identities: 8, distractors: 2, frames, seed: 202, itemOffset: 6000 });
  const gt: GtFrame[] = [];
  const found = new Map<number, FrameResult[]>(THRESHOLDS.map((t) => [t, []]));
  for (const camera of CAMERAS) {
    let previous: Gray | undefined;
    for (let t = 0; t < frames; t++) {
      const gray = rgbToGray(scenario.renderFrame(camera, t), camera.width, camera.height);
      const before = previous;
      previous = gray;
      if (t % 2 === 1) continue;
      const { scores, cols, rows } = await detector.scores(gray, before);
      const frame = CAMERAS.indexOf(camera) * frames + t; // both cameras' frames in one evaluation
      gt.push({ frame, boxes: scenario.groundTruth(camera, t).map((g) => ({ id: g.id, box: g.box })) });
      for (const thr of THRESHOLDS) found.get(thr)!.push({ frame, boxes: boxesFromScores(scores, cols, rows, gray.width, gray.height, { threshold: thr }).map((d) => ({ ...d, track: -1 })) });
    }
  }
  const ap = Object.fromEntries(THRESHOLDS.map((thr) => [String(thr), averagePrecision(gt, found.get(thr)!)]));
  const threshold = THRESHOLDS.reduce((best, thr) => (ap[String(thr)]! > ap[String(best)]! ? thr : best), THRESHOLDS[0]!);
  await writeFile(settingsPath(modelPath), JSON.stringify({ threshold, validationAp50: ap }));
  return { threshold, ap };
}

export interface DetectorTrainOptions {
  outDir: string;
  /** Frames of the training scenario per camera (default 120). */
  frames?: number;
  epochs?: number;
  /** Frames per camera of the validation scenario the threshold is chosen on (default 80). */
  validationFrames?: number;
  seed?: number;
  log?: (line: string) => void;
}

/** A camera of the training scenario with other optics and exposure than the two of the example (see CAMERAS). */
function jitteredCamera(r: () => number, index: number): CameraSpec {
  const scale = 0.9 + 0.6 * r();
  const width = 320;
  const height = 240;
  return {
    name: `train-${index}`,
    x0: Math.floor(r() * Math.max(0, WORLD_WIDTH - width / scale)),
    y0: 0,
    scale,
    width,
    height,
    gain: 0.7 + 0.4 * r(),
    gamma: 0.9 + 0.4 * r(),
    blur: r() < 0.5 ? 1 : 0,
    noise: 3 + 7 * r(),
  };
}

/**
 * Renders a training scenario (seed 101, Fashion-MNIST test items from 4000 on: not those of the evaluated scenario,
 * which starts at 0 and uses 2000) through the example's two cameras and a third whose zoom, position, gain, gamma,
 * blur and noise change every 20 frames (more lighting and scale than the two cameras show); samples cells of every
 * other frame, positives those inside a ground-truth box, balanced with as many negatives, each with its motion
 * against the frame before (on one frame in ten none, as on a camera's first frame); trains the MLP with tfjs, writes
 * `<outDir>/detector-mlp-v2.onnx` and the threshold chosen on validation data beside it (`detector-mlp-v2.json`).
 */
export async function trainDetector(o: DetectorTrainOptions): Promise<{ path: string; loss: number; accuracy: number; threshold: number; samples: number; seconds: number }> {
  const started = Date.now();
  const log = o.log ?? (() => undefined);
  await useEngine('wasm');
  const frames = o.frames ?? 120;
  const scenario = await makeScenario({ identities: 8, distractors: 2, frames, seed: o.seed ?? 101, itemOffset: 4000 });
  const r = rng((o.seed ?? 101) + 1);
  const xs: Float32Array[] = [];
  const ys: number[] = [];
  const previous = new Map<string, Gray>();
  let jittered = jitteredCamera(r, 0);
  for (let t = 0; t < frames; t++) {
    if (t > 0 && t % 20 === 0) {
      previous.delete(jittered.name);
      jittered = jitteredCamera(r, t / 20);
    }
    for (const camera of [...CAMERAS, jittered]) {
      const gray = rgbToGray(scenario.renderFrame(camera, t), camera.width, camera.height);
      const before = previous.get(camera.name);
      previous.set(camera.name, gray);
      if (t % 2 === 1) continue;
      const { cols, rows, x } = cellInputs(gray, r() < 0.1 ? undefined : before);
      const boxes = scenario.groundTruth(camera, t).map((g) => g.box);
      const positives: number[] = [];
      const negatives: number[] = [];
      for (let k = 0; k < cols * rows; k++) {
        const cx = (k % cols) * STRIDE + STRIDE / 2;
        const cy = Math.floor(k / cols) * STRIDE + STRIDE / 2;
        (boxes.some((b) => cx >= b[0] && cx < b[2] && cy >= b[1] && cy < b[3]) ? positives : negatives).push(k);
      }
      // Every positive (at most 600 a frame) and as many negatives, half of them near an object (the hard ones).
      const take = (list: number[], n: number) => Array.from({ length: Math.min(n, list.length) }, () => list[Math.floor(r() * list.length)]!);
      const pos = take(positives, 600);
      const near = negatives.filter((k) => {
        const cx = (k % cols) * STRIDE;
        const cy = Math.floor(k / cols) * STRIDE;
        return boxes.some((b) => cx >= b[0] - 12 && cx < b[2] + 12 && cy >= b[1] - 12 && cy < b[3] + 12);
      });
      const neg = [...take(near, Math.ceil(pos.length / 2) + 20), ...take(negatives, Math.ceil(pos.length / 2) + 20)];
      for (const k of pos) {
        xs.push(x.slice(k * INPUTS, (k + 1) * INPUTS));
        ys.push(1);
      }
      for (const k of neg) {
        xs.push(x.slice(k * INPUTS, (k + 1) * INPUTS));
        ys.push(0);
      }
    }
    if (t % 20 === 19) log(`detector: ${t + 1}/${frames} training frames rendered and sampled`);
  }
  log(`detector: ${ys.length} cells from ${frames} frames of three cameras (${ys.filter((y) => y === 1).length} inside objects)`);
  const model = buildLayersModel({ inputShape: [INPUTS], layers: [{ type: 'dense', units: 48, activation: 'relu' }, { type: 'dense', units: 16, activation: 'relu' }, { type: 'dense', units: 1, activation: 'sigmoid' }] }, o.seed ?? 101);
  model.compile({ optimizer: tf.train.adam(3e-3), loss: 'binaryCrossentropy', metrics: ['accuracy'] });
  const flat = new Float32Array(xs.length * INPUTS);
  xs.forEach((v, i) => flat.set(v, i * INPUTS));
  const x = tf.tensor2d(flat, [xs.length, INPUTS]);
  const y = tf.tensor2d(Float32Array.from(ys), [ys.length, 1]);
  let loss = NaN;
  let accuracy = NaN;
  await model.fit(x, y, {
    epochs: o.epochs ?? 8,
    batchSize: 256,
    shuffle: true,
    callbacks: {
      onEpochEnd: (epoch, logs) => {
        loss = logs?.['loss'] ?? NaN;
        accuracy = logs?.['acc'] ?? logs?.['accuracy'] ?? NaN;
        log(`detector: epoch ${epoch + 1}, loss ${loss.toFixed(4)}, accuracy ${accuracy.toFixed(4)}`);
      },
    },
  });
  x.dispose();
  y.dispose();
  await mkdir(o.outDir, { recursive: true });
  const path = join(o.outDir, DETECTOR_MODEL_FILE);
  await writeFile(path, exportLayersModelToOnnx(model));
  model.dispose();
  const chosen = await chooseThreshold(path, o.validationFrames);
  log(`detector: score threshold ${chosen.threshold} (validation AP@0.5 ${Object.entries(chosen.ap).map(([t, a]) => `${t}: ${a.toFixed(3)}`).join(', ')})`);
  return { path, loss, accuracy, threshold: chosen.threshold, samples: ys.length, seconds: (Date.now() - started) / 1000 };
}
