/**
 * Inference integration (ClassType.STP): the groups' predictions back in the input's order. The original's docs
 * called the result a "minimum result"; it was, as here, a re-ordering by sample position.
 */
import type { Tensor } from '../../core/estimator.js';
import { LifelongParamReader, type LifelongParams } from './params.js';
import type { InferenceIntegrate, PredictedPart } from './types.js';

export class DefaultInferenceIntegrate implements InferenceIntegrate {
  readonly name = 'DefaultInferenceIntegrate';

  constructor(param: LifelongParams = {}) {
    new LifelongParamReader(`inference integration "${this.name}"`, param, []);
  }

  integrate(parts: readonly PredictedPart[], sampleCount: number): Tensor {
    let width: number | undefined;
    for (const part of parts) {
      const [rows, ...rest] = part.predictions.shape;
      const partWidth = rest.reduce((a, b) => a * b, 1);
      if (rows !== part.indices.length) throw new Error(`${this.name}: a part has ${part.indices.length} samples but ${rows} prediction rows`);
      if (width !== undefined && partWidth !== width && part.indices.length > 0) throw new Error(`${this.name}: parts predict ${width} and ${partWidth} outputs per sample`);
      if (part.indices.length > 0) width = partWidth;
    }
    const outputs = width ?? 0;
    const data = new Float32Array(sampleCount * outputs);
    const covered = new Uint8Array(sampleCount);
    for (const part of parts) {
      part.indices.forEach((position, k) => {
        if (!Number.isInteger(position) || position < 0 || position >= sampleCount) throw new Error(`${this.name}: sample position ${position} is outside [0, ${sampleCount})`);
        if (covered[position]) throw new Error(`${this.name}: sample ${position} was predicted by two parts`);
        covered[position] = 1;
        data.set(part.predictions.data.subarray(k * outputs, (k + 1) * outputs), position * outputs);
      });
    }
    const missing = covered.reduce((n, c) => n + (c ? 0 : 1), 0);
    if (missing > 0) throw new Error(`${this.name}: ${missing} of ${sampleCount} samples have no prediction`);
    return { data, shape: [sampleCount, outputs] };
  }
}
