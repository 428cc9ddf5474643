/**
 * The tfjs directory format written and read without TensorFlow.js (model-files.ts, keras-topology.ts), checked
 * against TensorFlow.js itself in both directions.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WeightTensor } from '../core/estimator.js';
import { specFromTopology, topologyFromSpec } from './keras-topology.js';
import { MlpEstimator } from './mlp/estimator.js';
import { loadSpecModel, saveSpecModel } from './model-files.js';
import { type ModelSpec, weightShapes } from './model-spec.js';
import { TfjsEstimator } from './tfjs/estimator.js';
import { buildLayersModel, specFromLayersModel } from './tfjs/layers.js';
import { writeModelArtifacts } from './tfjs/model-dir.js';

/** Every layer type and option the spec has. */
const cnnSpec: ModelSpec = {
  inputShape: [9, 9, 2],
  layers: [
    { type: 'conv2d', filters: 3, kernelSize: [3, 2], strides: 1, activation: 'relu', padding: 'same' },
    { type: 'maxPooling2d' },
    { type: 'conv2d', filters: 2, kernelSize: 2, strides: [1, 2], activation: 'tanh', useBias: false, name: 'c2' },
    { type: 'averagePooling2d', poolSize: 2, strides: 1, padding: 'same' },
    { type: 'flatten' },
    { type: 'dropout', rate: 0.25 },
    { type: 'dense', units: 5, activation: 'sigmoid' },
    { type: 'dense', units: 3, activation: 'softmax', name: 'out' },
  ],
};

function seededWeights(spec: ModelSpec): WeightTensor[] {
  let s = 7;
  const next = (): number => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648) - 0.5;
  return weightShapes(spec).map((w) => ({ name: w.name, shape: [...w.shape], data: Float32Array.from({ length: w.shape.reduce((a, b) => a * b, 1) }, next) }));
}

function inputs(spec: ModelSpec, n: number): tf.Tensor {
  const size = spec.inputShape.reduce((a, b) => a * b, 1);
  return tf.tensor(Float32Array.from({ length: n * size }, (_, i) => Math.sin(i * 0.37)), [n, ...spec.inputShape]);
}

/** The directory read as files, as any tfjs IO handler would read it (not through the lib's reader). */
async function loadWithTfjs(dir: string): Promise<tf.LayersModel> {
  const json = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8')) as {
    modelTopology: object;
    weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  };
  const group = json.weightsManifest[0] as { paths: string[]; weights: tf.io.WeightsManifestEntry[] };
  const bin = await readFile(join(dir, group.paths[0] as string));
  return tf.loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: group.weights, weightData: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength) }));
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'model-files-'));
  await tf.ready();
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the Keras topology without tfjs', () => {
  it('writes the layers exactly as tfjs-layers serialises the same model', () => {
    const model = buildLayersModel(cnnSpec);
    const fromTfjs = model.toJSON(null, false) as { config: { layers: unknown[] } };
    const ours = topologyFromSpec(cnnSpec) as { class_name: string; config: { layers: unknown[] } };
    expect(ours.class_name).toBe('Sequential');
    expect(ours.config.layers).toEqual(fromTfjs.config.layers);
    model.dispose();
  });

  it('reads a plain tfjs topology as tfjs itself describes the model', () => {
    const model = buildLayersModel(cnnSpec);
    expect(specFromTopology(model.toJSON(null, false), 'model')).toEqual(specFromLayersModel(model));
    model.dispose();
  });

  it('reads a converted Keras topology (model_config, an InputLayer) and names what it cannot read', () => {
    const keras = {
      keras_version: '2.15.0',
      model_config: {
        class_name: 'Sequential',
        config: {
          name: 'k',
          layers: [
            { class_name: 'InputLayer', config: { batch_input_shape: [null, 6], name: 'in' } },
            { class_name: 'Dense', config: { name: 'd', units: 2, activation: 'softmax', use_bias: true } },
          ],
        },
      },
    };
    expect(specFromTopology(keras, 'k.json')).toEqual({ inputShape: [6], layers: [{ type: 'dense', name: 'd', units: 2, activation: 'softmax', useBias: true }] });
    const lstm = { class_name: 'Sequential', config: { layers: [{ class_name: 'LSTM', config: { name: 'l', batch_input_shape: [null, 3, 4] } }] } };
    expect(() => specFromTopology(lstm, 'x.json')).toThrow(/x\.json: layer l \(LSTM\): layer type LSTM is not supported/);
    const gelu = { class_name: 'Sequential', config: { layers: [{ class_name: 'Dense', config: { name: 'g', units: 2, activation: 'gelu', batch_input_shape: [null, 3] } }] } };
    expect(() => specFromTopology(gelu, 'y.json')).toThrow(/layer g \(Dense\): activation "gelu" is not supported/);
  });
});

describe('the tfjs directory format without tfjs', () => {
  it('writes files tf.loadLayersModel reads, with the same outputs', async () => {
    const weights = seededWeights(cnnSpec);
    await saveSpecModel(cnnSpec, weights, join(dir, 'ours'));
    const loaded = await loadWithTfjs(join(dir, 'ours'));
    const reference = buildLayersModel(cnnSpec);
    reference.setWeights(weights.map((w) => tf.tensor(w.data, [...w.shape])));
    const x = inputs(cnnSpec, 4);
    const got = (loaded.predict(x) as tf.Tensor).dataSync();
    const want = (reference.predict(x) as tf.Tensor).dataSync();
    got.forEach((v, i) => expect(v).toBeCloseTo(want[i] as number, 6));
    const tfjsEstimator = await TfjsEstimator.create();
    await tfjsEstimator.load(join(dir, 'ours'));
    expect(tfjsEstimator.spec).toEqual(cnnSpec);
    tfjsEstimator.dispose();
    x.dispose();
    loaded.dispose();
    reference.dispose();
  });

  it('reads what the tfjs estimator and plain tfjs write', async () => {
    const estimator = await TfjsEstimator.create({ spec: cnnSpec, seed: 3 });
    await estimator.save(join(dir, 'tfjs'));
    const fromEstimator = await loadSpecModel(join(dir, 'tfjs'));
    expect(fromEstimator.spec).toEqual(cnnSpec);
    expect(fromEstimator.weights).toEqual(estimator.getWeights());
    estimator.dispose();

    const plain = buildLayersModel(cnnSpec, 5);
    await plain.save(
      tf.io.withSaveHandler(async (artifacts) => {
        await writeModelArtifacts(artifacts, join(dir, 'plain'));
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
    const fromPlain = await loadSpecModel(join(dir, 'plain'));
    expect(fromPlain.spec).toEqual(specFromLayersModel(plain));
    expect(fromPlain.weights.map((w) => Array.from(w.data))).toEqual(plain.getWeights().map((w) => Array.from(w.dataSync())));
    plain.dispose();
  });

  it('reads a functional tfjs model of one chain (through tfjs, as the only reader of that topology)', async () => {
    const input = tf.input({ shape: [4] });
    const output = tf.layers.dense({ units: 2, activation: 'softmax', name: 'f' }).apply(input) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: output });
    await model.save(
      tf.io.withSaveHandler(async (artifacts) => {
        await writeModelArtifacts(artifacts, join(dir, 'functional'));
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
    const { spec } = await loadSpecModel(join(dir, 'functional'));
    expect(spec).toEqual({ inputShape: [4], layers: [{ type: 'dense', name: 'f', units: 2, activation: 'softmax', useBias: true }] });
    model.dispose();
  });

  it('lets an mlp estimator save and load without loading TensorFlow.js', async () => {
    const here = fileURLToPath(new URL('.', import.meta.url));
    const script = join(dir, 'no-tfjs.mts');
    await writeFile(
      script,
      `import { createRequire } from 'node:module';
import { MlpEstimator } from ${JSON.stringify(join(here, 'mlp/estimator.ts'))};
const spec = { inputShape: [5], layers: [{ type: 'dense', units: 4, activation: 'relu' }, { type: 'dense', units: 2, activation: 'softmax' }] };
const first = new MlpEstimator({ spec, seed: 1 });
await first.save(${JSON.stringify(join(dir, 'mlp'))});
const again = new MlpEstimator();
await again.load(${JSON.stringify(join(dir, 'mlp'))});
const same = first.getWeights().every((w, i) => w.data.every((v, k) => v === again.getWeights()[i].data[k]));
const tfjs = Object.keys(createRequire(import.meta.url).cache).filter((k) => k.includes('@tensorflow'));
console.log(JSON.stringify({ same, tfjs }));
`,
    );
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', script], { cwd: here });
    expect(JSON.parse(stdout.trim().split('\n').pop() as string)).toEqual({ same: true, tfjs: [] });
    const tfjsReads = await TfjsEstimator.create();
    await tfjsReads.load(join(dir, 'mlp'));
    const mlp = new MlpEstimator();
    await mlp.load(join(dir, 'mlp'));
    const x = { data: Float32Array.from({ length: 10 }, (_, i) => i / 10), shape: [2, 5] };
    const [a, b] = [await mlp.predict(x), await tfjsReads.predict(x)];
    a.data.forEach((v, i) => expect(b.data[i]).toBeCloseTo(v, 5));
    tfjsReads.dispose();
  });
});
