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
import { readFile } from 'node:fs/promises';
import { OnnxEstimator } from '@sedna/lib/estimators/onnx';
import type { Detection } from './detector.js';
import type { Box, Gray } from './image.js';

export const DETECTOR_MODEL_FILE = 'detector-mlp.onnx';
/** Grid stride, samples per side and their spacing, in pixels. */
export const STRIDE = 2;
const SIDE = 7;
const STEP = 2;
export const INPUTS = SIDE * SIDE;

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
