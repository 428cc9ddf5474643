/**
 * Bytes one training worker uploads per round for a ~1 M parameter model, uncompressed (Float32 container)
 * and compressed with 8-bit linear quantization (Int8Linear, the headline codec), plus Float16 and TopK
 * (1 % of the round's update) for comparison, each with its measured round-trip error.
 *
 * The model is a 784-1024-256-10 MLP for Fashion-MNIST (1,068,810 parameters), Glorot-uniform initialized
 * (seeded), and the round's update is that model plus a small seeded Gaussian step (σ = 1e-3), so TopK is
 * measured on a realistic dense-but-small difference. Errors are max |w − decoded| and RMS over all values.
 */
import type { WeightTensor } from '@sedna/lib/common';
import { Float16Codec, Float32Codec, Int8LinearCodec, TopKCodec, decodeWeights, roundTripError, type WeightCodec } from '@sedna/lib/algorithms';
import { seededRandom } from '@sedna/lib/common';

const log = (message: string): void => {
  process.stderr.write(`[bench compression] ${message}\n`);
};

const LAYERS: ReadonlyArray<readonly [number, number]> = [
  [784, 1024],
  [1024, 256],
  [256, 10],
];

function mlpWeights(seed: number): WeightTensor[] {
  const random = seededRandom(seed);
  return LAYERS.flatMap(([fanIn, fanOut], index) => {
    const limit = Math.sqrt(6 / (fanIn + fanOut));
    const kernel = Float32Array.from({ length: fanIn * fanOut }, () => (random() * 2 - 1) * limit);
    const bias = new Float32Array(fanOut);
    return [
      { name: `dense_${index}/kernel`, shape: [fanIn, fanOut], data: kernel },
      { name: `dense_${index}/bias`, shape: [fanOut], data: bias },
    ];
  });
}

/** Standard normal draws (Box-Muller) from a seeded source. */
function gaussian(random: () => number): () => number {
  return () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

function trainingStep(weights: readonly WeightTensor[], seed: number, sigma: number): WeightTensor[] {
  const normal = gaussian(seededRandom(seed));
  return weights.map((tensor) => ({ ...tensor, data: tensor.data.map((value) => value + sigma * normal()) }));
}

function difference(after: readonly WeightTensor[], before: readonly WeightTensor[]): WeightTensor[] {
  return after.map((tensor, index) => ({ ...tensor, data: tensor.data.map((value, position) => value - before[index]!.data[position]!) }));
}

interface CodecFigures {
  bytes: number;
  maxAbs: number;
  rms: number;
  encodeMs: number;
  decodeMs: number;
}

function measureCodec(codec: WeightCodec, weights: readonly WeightTensor[]): CodecFigures {
  let start = performance.now();
  const bytes = codec.encode(weights);
  const encodeMs = performance.now() - start;
  start = performance.now();
  const decoded = decodeWeights(bytes);
  const decodeMs = performance.now() - start;
  const error = roundTripError(weights, decoded);
  log(`${codec.name}: ${bytes.length} bytes, max abs error ${error.maxAbs.toExponential(3)}, RMS ${error.rms.toExponential(3)}, encode ${encodeMs.toFixed(1)} ms, decode ${decodeMs.toFixed(1)} ms`);
  return { bytes: bytes.length, maxAbs: error.maxAbs, rms: error.rms, encodeMs, decodeMs };
}

export async function measure(): Promise<Record<string, number>> {
  const globalModel = mlpWeights(1);
  const update = trainingStep(globalModel, 2, 1e-3);
  const parameters = update.reduce((sum, tensor) => sum + tensor.data.length, 0);
  log(`model: 784-1024-256-10 MLP, ${parameters} parameters`);
  measureCodec(new Int8LinearCodec(), update); // warm-up (JIT)
  const f32 = measureCodec(new Float32Codec(), update);
  const int8 = measureCodec(new Int8LinearCodec(), update);
  const f16 = measureCodec(new Float16Codec(), update);
  const delta = difference(update, globalModel);
  const topk = measureCodec(new TopKCodec({ ratio: 0.01 }), delta);
  return {
    parameters,
    bytes_per_round_f32: f32.bytes,
    bytes_per_round_compressed: int8.bytes,
    compression_ratio: round(f32.bytes / int8.bytes),
    // Names the codec behind bytes_per_round_compressed: Int8Linear (8-bit linear quantization per tensor).
    compressed_codec_int8_linear: 1,
    int8_max_abs_error: int8.maxAbs,
    int8_rms_error: int8.rms,
    int8_encode_ms: round(int8.encodeMs),
    int8_decode_ms: round(int8.decodeMs),
    float16_bytes: f16.bytes,
    float16_max_abs_error: f16.maxAbs,
    float16_rms_error: f16.rms,
    topk_1pct_of_delta_bytes: topk.bytes,
    topk_1pct_of_delta_max_abs_error: topk.maxAbs,
    topk_1pct_of_delta_rms_error: topk.rms,
  };
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
