/**
 * A trained detector, the alternative to background subtraction (`detector: trained` in the worker's env): a small
 * MLP scores every cell of a grid (stride 2 px) from the grey values around it (7x7 samples 2 px apart: a 13x13 px
 * neighbourhood), "inside an object's box" or not; cells above 0.5 form 8-connected components, each a box, its
 * confidence the mean score (the threshold chosen on a validation scenario when trained). It needs no background and no warm-up: it works from the first frame and on a moving
 * camera. Trained here with tfjs on frames of the synthetic scenario rendered for it (another seed and other
 * Fashion-MNIST items than the scenario it is evaluated on), the labels from its exact ground truth; exported to ONNX
 * with the lib's exporter and run with ONNX Runtime (one batch of all cells per frame).
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { buildLayersModel, exportLayersModelToOnnx, OnnxEstimator, useEngine } from '@sedna/lib';
import type { Detection } from './detector.js';
import { rgbToGray, type Box, type Gray } from './image.js';
import { averagePrecision, type FrameResult, type GtFrame } from './metrics.js';
import { rng } from './rng.js';
import { CAMERAS, makeScenario } from './scene.js';

export const DETECTOR_MODEL_FILE = 'detector-mlp.onnx';
/** Grid stride, samples per side and their spacing, in pixels. */
const STRIDE = 2;
const SIDE = 7;
const STEP = 2;
const INPUTS = SIDE * SIDE;

/** The cells of a frame: their count per row and column, and the model's input for each (grey/255, centred on the cell's mean). */
export function cellInputs(frame: Gray): { cols: number; rows: number; x: Float32Array } {
  const { width: w, height: h, data } = frame;
  const cols = Math.floor(w / STRIDE);
  const rows = Math.floor(h / STRIDE);
  const x = new Float32Array(cols * rows * INPUTS);
  const half = ((SIDE - 1) / 2) * STEP;
  let k = 0;
  for (let r = 0; r < rows; r++) {
    const cy = r * STRIDE + STRIDE / 2;
    for (let c = 0; c < cols; c++) {
      const cx = c * STRIDE + STRIDE / 2;
      const start = k;
      let mean = 0;
      for (let dy = -half; dy <= half; dy += STEP) {
        const yy = Math.min(h - 1, Math.max(0, cy + dy)) * w;
        for (let dx = -half; dx <= half; dx += STEP) {
          const v = data[yy + Math.min(w - 1, Math.max(0, cx + dx))]! / 255;
          x[k++] = v;
          mean += v;
        }
      }
      // The level around the cell as one input, the pattern relative to it as the others: less bound to a camera's gain.
      mean /= INPUTS;
      for (let i = start; i < k; i++) x[i] = x[i]! - mean;
      x[start + (INPUTS >> 1)] = mean;
    }
  }
  return { cols, rows, x };
}

/** Boxes from the cells' scores: 8-connected components of cells above `threshold`. */
export function boxesFromScores(scores: Float32Array, cols: number, rows: number, width: number, height: number, options: { threshold?: number; minCells?: number } = {}): Detection[] {
  const thr = options.threshold ?? 0.5;
  const minCells = options.minCells ?? 20;
  const label = new Int32Array(cols * rows).fill(-1);
  const stack = new Int32Array(cols * rows);
  const out: Detection[] = [];
  for (let start = 0; start < scores.length; start++) {
    if (scores[start]! < thr || label[start]! >= 0) continue;
    let top = 0;
    let count = 0;
    let sum = 0;
    let [c1, r1, c2, r2] = [cols, rows, 0, 0];
    label[start] = start;
    stack[top++] = start;
    while (top > 0) {
      const p = stack[--top]!;
      const c = p % cols;
      const r = (p - c) / cols;
      count++;
      sum += scores[p]!;
      c1 = Math.min(c1, c);
      r1 = Math.min(r1, r);
      c2 = Math.max(c2, c + 1);
      r2 = Math.max(r2, r + 1);
      for (let dr = -1; dr <= 1; dr++)
        for (let dc = -1; dc <= 1; dc++) {
          const rr = r + dr;
          const cc = c + dc;
          if (rr < 0 || cc < 0 || rr >= rows || cc >= cols) continue;
          const q = rr * cols + cc;
          if (scores[q]! >= thr && label[q]! < 0) {
            label[q] = start;
            stack[top++] = q;
          }
        }
    }
    if (count < minCells) continue;
    const box: Box = [c1 * STRIDE, r1 * STRIDE, Math.min(width, c2 * STRIDE), Math.min(height, r2 * STRIDE)];
    const fill = count / ((c2 - c1) * (r2 - r1));
    const cut = box[0] <= 0 || box[1] <= 0 || box[2] >= width || box[3] >= height;
    out.push({ box, confidence: (sum / count) * Math.min(1, 0.5 + fill) * (cut ? 0.5 : 1) });
  }
  return out;
}

/** Beside the model: the score threshold chosen on validation data (`<model>.json`, `{"threshold": 0.8}`). */
export const settingsPath = (modelPath: string): string => modelPath.replace(/\.onnx$/, '') + '.json';

/** The detector a camera worker runs: ONNX Runtime over all cells of a frame. */
export class TrainedDetector {
  readonly ready = true;
  private constructor(
    private readonly model: OnnxEstimator,
    readonly threshold: number,
  ) {}

  static async load(path: string): Promise<TrainedDetector> {
    const model = new OnnxEstimator();
    await model.load(path);
    const settings = existsSync(settingsPath(path)) ? (JSON.parse(await readFile(settingsPath(path), 'utf8')) as { threshold?: number }) : {};
    return new TrainedDetector(model, settings.threshold ?? 0.5);
  }

  /** The cells' scores of a frame. */
  async scores(frame: Gray): Promise<{ scores: Float32Array; cols: number; rows: number }> {
    const { cols, rows, x } = cellInputs(frame);
    const out = await this.model.predict({ data: x, shape: [cols * rows, INPUTS] });
    return { scores: out.data, cols, rows };
  }

  async detect(frame: Gray): Promise<Detection[]> {
    const { scores, cols, rows } = await this.scores(frame);
    return boxesFromScores(scores, cols, rows, frame.width, frame.height, { threshold: this.threshold });
  }
}

/** Candidate thresholds: cells near an object score high too, and a high threshold keeps boxes tight. */
const THRESHOLDS = [0.5, 0.6, 0.7, 0.8, 0.85, 0.9];

/**
 * Chooses the score threshold by AP@0.5 on a validation scenario (seed 202, Fashion-MNIST test items from 6000 on:
 * neither those trained on nor those of the evaluated scenario) and writes it beside the model.
 */
export async function chooseThreshold(modelPath: string, frames = 80): Promise<{ threshold: number; ap: Record<string, number> }> {
  const detector = await TrainedDetector.load(modelPath);
  const scenario = await makeScenario({ identities: 8, distractors: 2, frames, seed: 202, itemOffset: 6000 });
  const gt: GtFrame[] = [];
  const found = new Map<number, FrameResult[]>(THRESHOLDS.map((t) => [t, []]));
  for (const camera of CAMERAS)
    for (let t = 0; t < frames; t += 2) {
      const gray = rgbToGray(scenario.renderFrame(camera, t), camera.width, camera.height);
      const { scores, cols, rows } = await detector.scores(gray);
      const frame = CAMERAS.indexOf(camera) * frames + t; // both cameras' frames in one evaluation
      gt.push({ frame, boxes: scenario.groundTruth(camera, t).map((g) => ({ id: g.id, box: g.box })) });
      for (const thr of THRESHOLDS) found.get(thr)!.push({ frame, boxes: boxesFromScores(scores, cols, rows, gray.width, gray.height, { threshold: thr }).map((d) => ({ ...d, track: -1 })) });
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
  seed?: number;
  log?: (line: string) => void;
}

/**
 * Renders a training scenario (seed 101, Fashion-MNIST test items from 4000 on: not those of the evaluated scenario,
 * which starts at 0 and uses 2000), samples cells of every frame of both cameras, positives those inside a
 * ground-truth box, balanced with as many negatives, trains the MLP with tfjs, writes `<outDir>/detector-mlp.onnx`
 * and the threshold chosen on validation data beside it (`detector-mlp.json`).
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
  for (const camera of CAMERAS) {
    for (let t = 0; t < frames; t += 2) {
      const gray = rgbToGray(scenario.renderFrame(camera, t), camera.width, camera.height);
      const { cols, rows, x } = cellInputs(gray);
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
  }
  log(`detector: ${ys.length} cells from ${frames} frames of each camera (${ys.filter((y) => y === 1).length} inside objects)`);
  const model = buildLayersModel({ inputShape: [INPUTS], layers: [{ type: 'dense', units: 32, activation: 'relu' }, { type: 'dense', units: 16, activation: 'relu' }, { type: 'dense', units: 1, activation: 'sigmoid' }] }, o.seed ?? 101);
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
  const chosen = await chooseThreshold(path);
  log(`detector: score threshold ${chosen.threshold} (validation AP@0.5 ${Object.entries(chosen.ap).map(([t, a]) => `${t}: ${a.toFixed(3)}`).join(', ')})`);
  return { path, loss, accuracy, threshold: chosen.threshold, samples: ys.length, seconds: (Date.now() - started) / 1000 };
}
