/**
 * FedProx on the worker: local training minimises loss + (μ/2)·‖w − w_global‖² (Li et al.). The estimators have no
 * hook into their gradients, so the term is applied by splitting: after each batch's optimizer step the weights go
 * through the term's proximal operator with the step size η,
 *
 *   w ← argmin_u ‖u − w‖²/(2η) + (μ/2)·‖u − w_global‖² = (w + η·μ·w_global) / (1 + η·μ),
 *
 * which is exact for the term and stable for any η·μ. With plain SGD this is proximal gradient descent on the
 * FedProx objective; with Adam it pulls towards the global model like decoupled weight decay pulls towards zero.
 */
import type { Estimator, WeightTensor } from '../../estimator.js';

/** An `onBatchEnd` callback that applies the proximal step; `counter` counts the steps taken. */
export function proximalStep(estimator: Estimator, globalWeights: readonly WeightTensor[], mu: number, learningRate: number): { onBatchEnd: () => void; steps: () => number } {
  if (!(mu > 0) || !Number.isFinite(mu)) throw new RangeError(`FedProx: proximal_mu must be a positive number, got ${mu}`);
  if (!(learningRate > 0)) throw new RangeError(`FedProx: the learning rate must be positive, got ${learningRate}`);
  const shrink = 1 / (1 + learningRate * mu);
  const pull = learningRate * mu * shrink;
  let steps = 0;
  return {
    onBatchEnd: () => {
      const weights = estimator.getWeights();
      if (weights.length !== globalWeights.length) throw new RangeError(`FedProx: the model has ${weights.length} tensors, the global model ${globalWeights.length}`);
      const next = weights.map((tensor, index) => {
        const global = globalWeights[index]!.data;
        if (global.length !== tensor.data.length) throw new RangeError(`FedProx: tensor ${index} ("${tensor.name}") has ${tensor.data.length} values, the global one ${global.length}`);
        const data = new Float32Array(tensor.data.length);
        for (let position = 0; position < data.length; position++) data[position] = tensor.data[position]! * shrink + global[position]! * pull;
        return { name: tensor.name, shape: tensor.shape, data };
      });
      estimator.setWeights(next);
      steps++;
    },
    steps: () => steps,
  };
}
