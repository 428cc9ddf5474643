/**
 * Training of the re-identification feature extractor (./embedder.ts): instance discrimination with an NT-Xent loss
 * on augmented Fashion-MNIST *train* items, with tfjs; exported to ONNX. Kept apart from the runtime so that the
 * workers do not load tfjs.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { buildLayersModel, exportLayersModelToOnnx, loadFashionMnist, useEngine } from '@sedna/lib';
import { FEATURE_DIM, INPUT_SIZE, MODEL_FILE, preprocess } from './embedder.js';
import type { Box } from './image.js';
import { gaussian, rng } from './rng.js';
import { tightBox } from './scene.js';

/** One augmented view of a 28x28 item, as a camera would show it, cut at its (jittered) tight box. */
export function renderView(pixels: Uint8Array, r: () => number): Float32Array {
  const scale = 1.6 + 1.2 * r();
  const margin = 6;
  const size = Math.ceil(28 * scale) + 2 * margin;
  const bg = 50 + 60 * r();
  const gx = (r() - 0.5) * 0.6;
  const gy = (r() - 0.5) * 0.6;
  const canvas = new Float32Array(size * size);
  const [x1, y1, x2, y2] = tightBox(pixels);
  for (let v = 0; v < size; v++)
    for (let u = 0; u < size; u++) {
      const ix = Math.floor((u - margin) / scale);
      const iy = Math.floor((v - margin) / scale);
      const a = ix >= 0 && iy >= 0 && ix < 28 && iy < 28 ? pixels[iy * 28 + ix]! / 255 : 0;
      const b = bg + gx * u + gy * v;
      canvas[v * size + u] = b * (1 - a) + 235 * a;
    }
  const blur = r() < 0.5 ? 1 : 0;
  const img = blur ? boxBlur(canvas, size) : canvas;
  const gain = 0.7 + 0.4 * r();
  const gamma = 0.8 + 0.45 * r();
  const sigma = 2 + 8 * r();
  for (let i = 0; i < img.length; i++) img[i] = Math.min(255, Math.max(0, 255 * Math.pow(img[i]! / 255, gamma) * gain + sigma * gaussian(r)));
  const j = () => Math.round((r() - 0.5) * 4);
  const box: Box = [margin + x1 * scale + j(), margin + y1 * scale + j(), margin + x2 * scale + j(), margin + y2 * scale + j()];
  return preprocess({ width: size, height: size, data: img }, box);
}

function boxBlur(img: Float32Array, size: number): Float32Array {
  const out = new Float32Array(img.length);
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) {
      let s = 0;
      let n = 0;
      for (let dy = -1; dy <= 1; dy++)
        for (let dx = -1; dx <= 1; dx++) {
          const xx = x + dx;
          const yy = y + dy;
          if (xx < 0 || yy < 0 || xx >= size || yy >= size) continue;
          s += img[yy * size + xx]!;
          n++;
        }
      out[y * size + x] = s / n;
    }
  return out;
}

export interface TrainOptions {
  outDir: string;
  steps: number;
  /** Items per batch (two views each). */
  batch?: number;
  /** Train items drawn from (default 10000). */
  items?: number;
  seed?: number;
  log?: (line: string) => void;
}

/** Trains the extractor and writes `<outDir>/reid-mlp.onnx`; returns its path and the last loss. */
export async function trainFeatureExtractor(o: TrainOptions): Promise<{ path: string; loss: number; seconds: number }> {
  const started = Date.now();
  await useEngine('wasm');
  const log = o.log ?? (() => undefined);
  const data = await loadFashionMnist({ split: 'train', count: o.items ?? 10000, normalize: false });
  const r = rng(o.seed ?? 11);
  const model = buildLayersModel(
    {
      inputShape: [INPUT_SIZE * INPUT_SIZE],
      layers: [
        { type: 'dense', units: 256, activation: 'relu' },
        { type: 'dense', units: 128, activation: 'relu' },
        { type: 'dense', units: FEATURE_DIM },
      ],
    },
    o.seed ?? 11,
  );
  const optimizer = tf.train.adam(1e-3);
  const batch = o.batch ?? 64;
  const tau = 0.1;
  const dim = INPUT_SIZE * INPUT_SIZE;
  let last = NaN;
  for (let step = 1; step <= o.steps; step++) {
    const v1 = new Float32Array(batch * dim);
    const v2 = new Float32Array(batch * dim);
    for (let i = 0; i < batch; i++) {
      const item = Math.floor(r() * data.y.length);
      const pixels = data.pixels.subarray(item * 784, (item + 1) * 784);
      v1.set(renderView(pixels, r), i * dim);
      v2.set(renderView(pixels, r), i * dim);
    }
    const loss = tf.tidy((): tf.Scalar => {
      const x1 = tf.tensor2d(v1, [batch, dim]);
      const x2 = tf.tensor2d(v2, [batch, dim]);
      const labels = tf.oneHot(tf.range(0, batch, 1, 'int32'), batch);
      return optimizer.minimize(() => {
        const norm = (z: tf.Tensor) => z.div(tf.sqrt(tf.sum(tf.square(z), 1, true)).add(1e-8));
        const z1 = norm(model.apply(x1) as tf.Tensor);
        const z2 = norm(model.apply(x2) as tf.Tensor);
        const logits = tf.matMul(z1, z2, false, true).div(tau);
        return tf.losses.softmaxCrossEntropy(labels, logits).add(tf.losses.softmaxCrossEntropy(labels, logits.transpose())).div(2) as tf.Scalar;
      }, true)!;
    });
    last = (await loss.data())[0]!;
    loss.dispose();
    if (step % 50 === 0 || step === o.steps) log(`feature extractor: step ${step}/${o.steps}, NT-Xent loss ${last.toFixed(3)}`);
  }
  await mkdir(o.outDir, { recursive: true });
  const path = join(o.outDir, MODEL_FILE);
  await writeFile(path, exportLayersModelToOnnx(model));
  model.dispose();
  return { path, loss: last, seconds: (Date.now() - started) / 1000 };
}

