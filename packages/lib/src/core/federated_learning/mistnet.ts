/**
 * MistNet (split learning with local differential privacy: the edge runs the first `cut_layer` layers and uploads
 * noised features, the cloud trains the rest). The original delegated it to the Python Plato framework; it is not
 * implemented here, and saying so is better than training something else under its name.
 */
import type { MistNet } from '../../algorithms/aggregation/plato.js';

export class MistNetNotImplementedError extends Error {
  override name = 'MistNetNotImplementedError';

  constructor(parameters?: MistNet['parameters']) {
    const detail = parameters === undefined ? '' : ` (cut_layer ${parameters.cut_layer}, epsilon ${parameters.epsilon})`;
    super(`MistNet${detail} is not implemented: split learning with noised edge features needs a training path this lib does not have yet; use FedAvg, FedProx or FedAdam`);
  }
}
