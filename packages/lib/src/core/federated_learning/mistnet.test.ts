import { describe, expect, it } from 'vitest';
import type { ModelSpec } from '../../backend/model-spec.js';
import { seededRandom } from '../../common/random.js';
import { privatizeFeatures, splitModel } from './mistnet.js';

const spec: ModelSpec = {
  inputShape: [28, 28],
  layers: [{ type: 'flatten' }, { type: 'dense', units: 16, activation: 'relu' }, { type: 'dropout', rate: 0.1 }, { type: 'dense', units: 10, activation: 'softmax' }],
};

describe('MistNet', () => {
  it('cuts the model after cut_layer layers, keeping the layer names of the whole model', () => {
    const split = splitModel(spec, 2);
    expect(split.edge.layers.map((layer) => layer.name)).toEqual(['flatten_0', 'dense_1']);
    expect(split.cloud).toEqual({ inputShape: [16], layers: [{ type: 'dropout', rate: 0.1, name: 'dropout_2' }, { type: 'dense', units: 10, activation: 'softmax', name: 'dense_3' }] });
    expect(split.edgeTensors).toBe(2);
    expect(() => splitModel(spec, 0)).toThrow(/cut_layer must be an integer from 1 to 3 \(the model has 4 layers\), got 0/);
    expect(() => splitModel(spec, 4)).toThrow(/cut_layer/);
  });

  it('clips features and adds Laplace noise of scale 2·clip/ε', () => {
    const values = new Float32Array(200_000).fill(0.5);
    values[0] = 100;
    privatizeFeatures(values, 10, 2, seededRandom(3));
    const noise = Array.from(values.subarray(1), (value) => value - 0.5);
    const mean = noise.reduce((sum, value) => sum + value, 0) / noise.length;
    const meanAbs = noise.reduce((sum, value) => sum + Math.abs(value), 0) / noise.length;
    expect(Math.abs(mean)).toBeLessThan(0.01);
    expect(meanAbs).toBeCloseTo((2 * 2) / 10, 2); // E|Laplace(b)| = b
    expect(values[0]).toBeLessThan(2 + 4); // clipped to 2 before the noise
    expect(() => privatizeFeatures(values, 0, 1, Math.random)).toThrow(/epsilon and clip must be positive/);
  });
});
