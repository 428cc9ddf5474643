/**
 * Checks a round's uploads before aggregation: structure must agree between clients (an error naming the
 * client and the tensor: mixing two models is a deployment mistake, not one bad client), while a client with
 * unusable numbers is rejected on its own and the round goes on without it.
 */
import type { WeightTensor } from '../../core/estimator.js';
import { AggregationError, type AggClient, type ClientRejection } from './types.js';

export interface ScreenedRound {
  readonly clients: AggClient[];
  readonly rejected: ClientRejection[];
}

export interface ScreeningOptions {
  /**
   * Scan every weight for NaN and ±Infinity. FedAvg skips the scan: its SIMD kernel flags a non-finite
   * result for free, and only then are the clients scanned (`findNonFinite`).
   */
  scanWeights: boolean;
}

export function screenClients(clients: readonly AggClient[], strategy: string, options: ScreeningOptions): ScreenedRound {
  const seen = new Set<string>();
  for (const client of clients) {
    if (typeof client.id !== 'string' || client.id === '') throw new AggregationError(`${strategy}: every client needs a non-empty id`);
    if (seen.has(client.id)) throw new AggregationError(`${strategy}: client "${client.id}" appears twice in one round`);
    seen.add(client.id);
  }
  const rejected: ClientRejection[] = [];
  const usable: AggClient[] = [];
  for (const client of clients) {
    if (!Number.isInteger(client.numSamples) || client.numSamples < 0) {
      rejected.push({ id: client.id, reason: `num_samples must be a non-negative integer, got ${client.numSamples}` });
      continue;
    }
    checkOwnShapes(client, strategy);
    usable.push(client);
  }
  const reference = usable[0];
  for (const client of usable.slice(1)) checkSameStructure(reference!, client, strategy);
  const accepted: AggClient[] = [];
  for (const client of usable) {
    const problem = options.scanWeights ? findNonFinite(client) : undefined;
    if (problem === undefined) accepted.push(client);
    else rejected.push({ id: client.id, reason: problem });
  }
  if (accepted.length === 0 && clients.length > 0) {
    const reasons = rejected.map((rejection) => `"${rejection.id}": ${rejection.reason}`).join('; ');
    throw new AggregationError(`${strategy}: no usable client update is left (${reasons})`, rejected);
  }
  return { clients: accepted, rejected };
}

function elementCount(shape: readonly number[]): number {
  return shape.reduce((product, dimension) => product * dimension, 1);
}

function describeTensor(tensor: WeightTensor, index: number): string {
  return `tensor ${index} ("${tensor.name}")`;
}

function checkOwnShapes(client: AggClient, strategy: string): void {
  if (!Array.isArray(client.weights as unknown)) throw new AggregationError(`${strategy}: client "${client.id}" sent no list of weight tensors`);
  client.weights.forEach((tensor, index) => {
    if (!(tensor.data instanceof Float32Array)) {
      throw new AggregationError(`${strategy}: client "${client.id}" ${describeTensor(tensor, index)}: data must be a Float32Array`);
    }
    const valid = tensor.shape.every((dimension) => Number.isInteger(dimension) && dimension >= 0);
    if (!valid || elementCount(tensor.shape) !== tensor.data.length) {
      throw new AggregationError(
        `${strategy}: client "${client.id}" ${describeTensor(tensor, index)}: shape [${tensor.shape.join(', ')}] does not match its ${tensor.data.length} values`,
      );
    }
  });
}

function checkSameStructure(reference: AggClient, client: AggClient, strategy: string): void {
  if (client.weights.length !== reference.weights.length) {
    throw new AggregationError(
      `${strategy}: client "${client.id}" sent ${client.weights.length} tensors, client "${reference.id}" sent ${reference.weights.length}`,
    );
  }
  client.weights.forEach((tensor, index) => {
    const expected = reference.weights[index]!;
    const sameShape = tensor.shape.length === expected.shape.length && tensor.shape.every((dimension, axis) => dimension === expected.shape[axis]);
    if (tensor.name !== expected.name || !sameShape) {
      throw new AggregationError(
        `${strategy}: client "${client.id}" ${describeTensor(tensor, index)} has shape [${tensor.shape.join(', ')}], ` +
          `but client "${reference.id}" has "${expected.name}" with shape [${expected.shape.join(', ')}]`,
      );
    }
  });
}

/** The first NaN or infinite weight of a client, described; undefined when all are finite. */
export function findNonFinite(client: AggClient): string | undefined {
  for (let index = 0; index < client.weights.length; index++) {
    const tensor = client.weights[index]!;
    const data = tensor.data;
    for (let position = 0; position < data.length; position++) {
      const value = data[position]!;
      if (value - value !== 0) return `${describeTensor(tensor, index)} has ${value} at flat index ${position}`;
    }
  }
  return undefined;
}

/** New tensors with the reference's names and shapes around the given data. */
export function tensorsLike(reference: readonly WeightTensor[], data: readonly Float32Array[]): WeightTensor[] {
  return reference.map((tensor, index) => ({ name: tensor.name, shape: [...tensor.shape], data: data[index]! }));
}
