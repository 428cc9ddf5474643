/**
 * The re-identification feature extractor: an MLP 784-256-128-64 on a detected box (grey, resized to 28x28,
 * standardised), trained here with tfjs by instance discrimination: two differently rendered views of each of P
 * Fashion-MNIST *train* items per batch (random scale, gain, gamma, blur, noise, background and box jitter, as the
 * cameras differ), an NT-Xent (InfoNCE) metric-learning loss pulling the two views of an item together and pushing
 * the others apart. Exported to ONNX with the lib's exporter; inference with ONNX Runtime; outputs L2-normalised.
 * The scene's identities are *test* items, never seen in training. Training is in ./embedder-train.ts, apart: the
 * workers that run the model do not load tfjs (seconds of start-up per worker).
 */
import { readFile } from 'node:fs/promises';
import { OnnxEstimator } from '@sedna/lib/estimators/onnx';
import { SwappableModel } from '@sedna/lib/hotupdate';
import { l2normalize, swapModel, WireError, type Crop } from '@sedna/lib/multi_edge_inference';
import { colourPartsFeature, COLOUR_PARTS_DIM, isColourPartsModel } from './colour-parts.js';
import { cropResize, rgbToGray, standardize, type Box, type Gray } from './image.js';

export const FEATURE_DIM = 64;
export const INPUT_SIZE = 28;
export const MODEL_FILE = 'reid-mlp.onnx';

/** The model's input for one box of a grey frame. */
export function preprocess(frame: Gray, box: Box): Float32Array {
  return standardize(cropResize(frame, box, INPUT_SIZE));
}

/**
 * The model's inputs for the crops of a message (grey, 28x28, standardised). `requireObject`: a uniform crop (a
 * query image showing nothing) is refused with a WireError, the service's answer to the user.
 */
export function cropInputs(crops: Crop[], requireObject: boolean): Float32Array[] {
  return crops.map((c, i) => {
    const gray = rgbToGray(c.rgb, c.width, c.height);
    const raw = cropResize(gray, [0, 0, c.width, c.height], INPUT_SIZE);
    const mean = raw.reduce((a, b) => a + b, 0) / raw.length;
    const sd = Math.sqrt(raw.reduce((a, b) => a + (b - mean) * (b - mean), 0) / raw.length);
    if (requireObject && sd < 8) throw new WireError(`no object found in query image ${i}: it is uniform (contrast ${sd.toFixed(1)})`);
    return standardize(raw);
  });
}

/**
 * The extractor a service runs: the trained MLP (an `.onnx` model, whose model can be replaced while it serves:
 * update_service), or the colour-parts descriptor (a `.json` model naming it: ./colour-parts.ts), chosen by the
 * service's model as the cameras' detector is by theirs.
 */
export class FeatureExtractor {
  private model: SwappableModel<OnnxEstimator> | undefined;
  private descriptor = false;
  private path: string | undefined;

  async load(path: string): Promise<void> {
    if (path.endsWith('.json')) {
      const content: unknown = JSON.parse(await readFile(path, 'utf8'));
      if (!isColourPartsModel(content)) throw new Error(`${path}: a JSON model must be {"feature": "colour-parts"}; got ${JSON.stringify(content)}`);
      this.descriptor = true;
      this.path = path;
      return;
    }
    const onnx = new OnnxEstimator();
    await onnx.load(path);
    this.model = new SwappableModel(onnx, path);
  }

  /** Length of a feature vector. */
  get dim(): number {
    return this.descriptor ? COLOUR_PARTS_DIM : FEATURE_DIM;
  }

  /** Swaps in the model at `url` once it has loaded; the old one keeps serving if it cannot be. */
  update(url: string, version?: string): Promise<string> {
    if (this.descriptor) return Promise.reject(new WireError('update_service: this extractor is the colour-parts descriptor, which has no trained model to replace'));
    return swapModel(this.serving(), url, () => new OnnxEstimator(), version);
  }

  /** The serving model's version (its path at start, then what update_service named). */
  get version(): string | undefined {
    return this.descriptor ? this.path : this.model?.version;
  }

  /**
   * The L2-normalised features of crops. `requireObject`: a uniform crop (a query image showing nothing) is refused
   * with a WireError, the service's answer to the user.
   */
  async embedCrops(crops: Crop[], requireObject: boolean): Promise<Float32Array[]> {
    const inputs = cropInputs(crops, requireObject);
    if (this.descriptor) return crops.map(colourPartsFeature);
    return this.embed(inputs);
  }

  /** The MLP's features of preprocessed grey inputs (./embedder.ts preprocess). */
  async embed(inputs: Float32Array[]): Promise<Float32Array[]> {
    if (inputs.length === 0) return [];
    const dim = INPUT_SIZE * INPUT_SIZE;
    const x = new Float32Array(inputs.length * dim);
    inputs.forEach((v, i) => x.set(v, i * dim));
    const out = await this.serving().predict({ data: x, shape: [inputs.length, dim] });
    const d = out.shape[1]!;
    return inputs.map((_, i) => l2normalize(out.data.slice(i * d, (i + 1) * d)));
  }

  private serving(): SwappableModel<OnnxEstimator> {
    if (!this.model) throw new Error(this.descriptor ? 'the colour-parts descriptor has no trained model' : 'the feature extractor has no model: call load() first');
    return this.model;
  }
}
