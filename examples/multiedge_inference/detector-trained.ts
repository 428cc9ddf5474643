/**
 * A trained detector, the alternative to background subtraction (`detector: trained` in the worker's env): a small
 * MLP scores every cell of a grid (stride 2 px), "inside an object's box" or not, from three views of its
 * surroundings: the grey values close by (7x7 samples 2 px apart: a 13x13 px neighbourhood, its pattern relative to
 * its mean, and the mean), the context further out (7x7 box means 6 px apart: 43x43 px, about an object's size, so
 * a cell knows whether it lies within an object or on a bright patch of background), and the motion there (7x7 box
 * means of the absolute difference to the camera's previous frame, 4 px apart: objects move, the background does
 * not, as surveillance detectors use it; zero on a camera's first frame, as in part of the training). Cells above the
 * threshold form 8-connected components, each a box, its confidence the mean score (the threshold chosen on a
 * validation scenario when trained). It needs no background model and no warm-up: it works from the first frame.
 * Trained (./detector-train.ts) with tfjs on frames of the synthetic scenario rendered for it (another seed and
 * other Fashion-MNIST items than the scenario it is evaluated on), the labels from its exact ground truth; exported
 * to ONNX with the lib's exporter and run with ONNX Runtime (one batch of all cells per frame).
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { OnnxEstimator } from '@sedna/lib/estimators/onnx';
import type { Detection } from './detector.js';
import type { Box, Gray } from './image.js';

/** The model's file; its name changes with its inputs, so a model trained for other inputs is not loaded. */
export const DETECTOR_MODEL_FILE = 'detector-mlp-v2.onnx';
/** Grid stride in pixels. */
export const STRIDE = 2;
/** Samples per side of each view. */
const SIDE = 7;
const VIEW = SIDE * SIDE;
/** Spacing of the samples of the near view, the context view (box means of radius 3) and the motion view (radius 2). */
const NEAR_STEP = 2;
const FAR_STEP = 6;
const FAR_RADIUS = 3;
const MOTION_STEP = 4;
const MOTION_RADIUS = 2;
export const INPUTS = 3 * VIEW;

/** Each pixel's mean over the box of `radius` around it (clipped to the image), through a summed-area table. */
function boxMeans(width: number, height: number, radius: number, value: (i: number) => number): Float32Array {
  const W = width + 1;
  const s = new Float64Array(W * (height + 1));
  for (let y = 0; y < height; y++) {
    let row = 0;
    for (let x = 0; x < width; x++) {
      row += value(y * width + x);
      s[(y + 1) * W + x + 1] = s[y * W + x + 1]! + row;
    }
  }
  const out = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    const y1 = Math.max(0, y - radius);
    const y2 = Math.min(height, y + radius + 1);
    for (let x = 0; x < width; x++) {
      const x1 = Math.max(0, x - radius);
      const x2 = Math.min(width, x + radius + 1);
      out[y * width + x] = (s[y2 * W + x2]! - s[y1 * W + x2]! - s[y2 * W + x1]! + s[y1 * W + x1]!) / ((x2 - x1) * (y2 - y1));
    }
  }
  return out;
}

/**
 * An image sampled at the cells' centres (the grid's resolution), padded by `pad` cells on every side with its
 * border values, so that gathering a view needs no bounds checks.
 */
function atCells(image: Float32Array | Uint8Array, width: number, cols: number, rows: number, pad: number, scale: number): { data: Float32Array; stride: number } {
  const stride = cols + 2 * pad;
  const data = new Float32Array(stride * (rows + 2 * pad));
  for (let r = -pad; r < rows + pad; r++) {
    const y = Math.min(rows - 1, Math.max(0, r)) * STRIDE + STRIDE / 2;
    for (let c = -pad; c < cols + pad; c++) {
      const xx = Math.min(cols - 1, Math.max(0, c)) * STRIDE + STRIDE / 2;
      data[(r + pad) * stride + c + pad] = image[y * width + xx]! * scale;
    }
  }
  return { data, stride };
}

/** Cells between two samples of each view (the samples' spacing in pixels over the grid's stride). */
const NEAR_CELLS = NEAR_STEP / STRIDE;
const FAR_CELLS = FAR_STEP / STRIDE;
const MOTION_CELLS = MOTION_STEP / STRIDE;
const HALF = (SIDE - 1) / 2;
const PAD = HALF * Math.max(NEAR_CELLS, FAR_CELLS, MOTION_CELLS);

/**
 * The cells of a frame: their count per row and column, and the model's input for each: the near and context views
 * (grey/255, each centred on its own mean, that mean in the view's middle slot: less bound to a camera's gain) and
 * the motion view (absolute difference/255 to `previous`, zero without one). Samples beyond the frame repeat its
 * border. Every view's samples fall on cell centres: the views are gathered from images at the grid's resolution.
 */
export function cellInputs(frame: Gray, previous?: Gray, reuse?: Float32Array): { cols: number; rows: number; x: Float32Array } {
  const { width: w, height: h, data } = frame;
  const cols = Math.floor(w / STRIDE);
  const rows = Math.floor(h / STRIDE);
  // A camera's frames keep their size: its detector hands the last frame's buffer back (11 MB a frame otherwise).
  const x = reuse?.length === cols * rows * INPUTS ? reuse : new Float32Array(cols * rows * INPUTS);
  const near = atCells(data, w, cols, rows, PAD, 1 / 255);
  const far = atCells(boxMeans(w, h, FAR_RADIUS, (i) => data[i]!), w, cols, rows, PAD, 1 / 255);
  const prev = previous && previous.width === w && previous.height === h ? previous.data : undefined;
  const motion = prev ? atCells(boxMeans(w, h, MOTION_RADIUS, (i) => Math.abs(data[i]! - prev[i]!)), w, cols, rows, PAD, 1 / 255) : undefined;
  const stride = near.stride; // the same for the three
  const offsets = (cells: number) => {
    const o = new Int32Array(VIEW);
    let i = 0;
    for (let dy = -HALF; dy <= HALF; dy++) for (let dx = -HALF; dx <= HALF; dx++) o[i++] = dy * cells * stride + dx * cells;
    return o;
  };
  const nearAt = offsets(NEAR_CELLS);
  const farAt = offsets(FAR_CELLS);
  const motionAt = offsets(MOTION_CELLS);
  const middle = VIEW >> 1;
  const nd = near.data;
  const fd = far.data;
  const md = motion?.data;
  let k = 0;
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++) {
      const centre = (r + PAD) * stride + c + PAD;
      // The near and context views, each centred on its mean (the mean in its middle slot), then the motion view.
      let nearMean = 0;
      let farMean = 0;
      for (let i = 0; i < VIEW; i++) {
        const v = nd[centre + nearAt[i]!]!;
        const u = fd[centre + farAt[i]!]!;
        x[k + i] = v;
        x[k + VIEW + i] = u;
        nearMean += v;
        farMean += u;
      }
      nearMean /= VIEW;
      farMean /= VIEW;
      for (let i = 0; i < VIEW; i++) {
        x[k + i] = x[k + i]! - nearMean;
        x[k + VIEW + i] = x[k + VIEW + i]! - farMean;
      }
      x[k + middle] = nearMean;
      x[k + VIEW + middle] = farMean;
      if (md) for (let i = 0; i < VIEW; i++) x[k + 2 * VIEW + i] = md[centre + motionAt[i]!]!;
      else x.fill(0, k + 2 * VIEW, k + INPUTS);
      k += INPUTS;
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

/** The detector a camera worker runs: ONNX Runtime over all cells of a frame; it keeps the previous frame for motion. */
export class TrainedDetector {
  readonly ready = true;
  private previous: Gray | undefined;
  private buffer: Float32Array | undefined;
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

  /** The cells' scores of a frame, its motion against `previous` (none: no motion input). */
  async scores(frame: Gray, previous?: Gray): Promise<{ scores: Float32Array; cols: number; rows: number }> {
    // The inputs' buffer is taken while ONNX Runtime reads it and handed back after (a call meanwhile gets its own).
    const buffer = this.buffer;
    this.buffer = undefined;
    const { cols, rows, x } = cellInputs(frame, previous, buffer);
    const out = await this.model.predict({ data: x, shape: [cols * rows, INPUTS] });
    this.buffer = x;
    return { scores: out.data, cols, rows };
  }

  /** The boxes of the camera's next frame (its motion against the frame before). */
  async detect(frame: Gray): Promise<Detection[]> {
    const previous = this.previous;
    this.previous = frame;
    const { scores, cols, rows } = await this.scores(frame, previous);
    return boxesFromScores(scores, cols, rows, frame.width, frame.height, { threshold: this.threshold });
  }
}
