/**
 * Overhead of the lib's ONNX estimator over calling ONNX Runtime directly, on the same model and the same batches:
 * a Fashion-MNIST MLP (784-256-128-10, trained for one epoch on 10,000 images with the mlp estimator and exported
 * with the lib's exporter), inference over the 10,000 test images in batches of 256, one intra-op thread.
 * Rounds interleave direct and lib passes, one pass over the test set each (about a tenth of a second; the order
 * alternates), so that the two passes of a round see the same load on a shared machine: with rounds of a second
 * or more, the load changed between the two sides of a round and the per-round ratio measured the machine.
 *  - onnx_lib_overhead_pct_median/_iqr: over rounds of (1 - lib throughput / direct throughput) * 100 (positive:
 *    the lib is slower); the throughputs are reported as medians and interquartile ranges over rounds too.
 * Run alone: `npx tsx bench/lib/onnx.ts`.
 */
import { pathToFileURL } from 'node:url';
import * as ort from 'onnxruntime-node';
import { MlpEstimator } from '@sedna/lib/estimators/mlp';
import { OnnxEstimator } from '@sedna/lib/estimators/onnx';
import { readFashionMnist } from '@sedna/lib/datasources';
import { exportToOnnx } from '@sedna/lib/onnx';
import { MLP_SPEC } from './train.js';
import { figure, interleave, round } from '../common/stats.js';

const BATCH = 256;
const ROUNDS = 41;

const log = (msg: string): void => {
  process.stderr.write(`[bench lib/onnx] ${msg}\n`);
};

/** One full pass over the test set; returns samples per second. */
async function timed(pass: () => Promise<void>, samples: number): Promise<number> {
  const start = performance.now();
  await pass();
  return samples / ((performance.now() - start) / 1000);
}

export async function measure(): Promise<Record<string, number>> {
  log('training a Fashion-MNIST MLP for the model (1 epoch on 10,000 images)');
  const train = await readFashionMnist('train', 10_000);
  const test = await readFashionMnist('t10k');
  const mlp = new MlpEstimator({ spec: MLP_SPEC, seed: 1 });
  await mlp.train({ data: train.x, shape: [train.n, 784] }, train.y, { epochs: 1, batchSize: 64, learningRate: 1e-3, seed: 1 });
  const bytes = exportToOnnx({ spec: mlp.spec, weights: mlp.getWeights() });

  const sessionOptions: ort.InferenceSession.SessionOptions = { intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all' };
  const session = await ort.InferenceSession.create(bytes, sessionOptions);
  const lib = new OnnxEstimator({ batchSize: BATCH, intraOpNumThreads: 1, interOpNumThreads: 1 });
  await lib.loadBytes(bytes, 'fashion-mnist-mlp.onnx');
  const x = { data: test.x, shape: [test.n, 784] };

  // The direct loop does what a careful caller would: feed views of the batch, read each output.
  let sink = 0;
  const direct = async (): Promise<void> => {
    for (let start = 0; start < test.n; start += BATCH) {
      const rows = Math.min(BATCH, test.n - start);
      const out = await session.run({ input: new ort.Tensor('float32', test.x.subarray(start * 784, (start + rows) * 784), [rows, 784]) });
      sink += ((out['output'] as ort.Tensor).data as Float32Array)[0] as number;
    }
  };
  const viaLib = async (): Promise<void> => {
    sink += (await lib.predict(x)).data[0] as number;
  };

  const accuracy = (await lib.evaluate(x, test.y))['accuracy'] as number;
  log(`test accuracy of the model: ${(accuracy * 100).toFixed(2)} %`);
  // A few unrecorded passes of each first (JIT, ONNX Runtime's arenas); interleave() adds one more of each.
  for (let pass = 0; pass < 3; pass++) {
    await direct();
    await viaLib();
  }
  const runs = await interleave(
    ROUNDS,
    () => timed(direct, test.n),
    () => timed(viaLib, test.n),
    (r, d, l) => {
      if (r % 10 === 0 || r === ROUNDS) log(`round ${r}/${ROUNDS}: direct ${d.toFixed(0)} samples/s, lib ${l.toFixed(0)} samples/s`);
    },
  );
  const directRuns = runs.a;
  const libRuns = runs.b;
  await session.release();
  lib.dispose();
  if (Number.isNaN(sink)) log('outputs contained NaN');
  const overheads = runs.ratio.map((directOverLib) => (1 - 1 / directOverLib) * 100);
  return {
    ...figure('onnx_lib_overhead_pct', overheads, 2),
    ...figure('onnx_direct_samples_per_s', directRuns, 0),
    ...figure('onnx_lib_samples_per_s', libRuns, 0),
    onnx_rounds: ROUNDS,
    onnx_threads: 1,
    onnx_model_test_accuracy: round(accuracy, 4),
  };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  measure().then(
    (r) => console.log(JSON.stringify(r)),
    (e: unknown) => {
      console.error(e);
      process.exit(1);
    },
  );
}
