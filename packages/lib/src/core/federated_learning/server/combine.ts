/**
 * Turning a round's usable updates into the next global model with the job's aggregation strategy.
 *
 * Updates that do not have the model's shapes are left out, each with its reason, instead of failing the round
 * (the lib's strategies treat disagreeing shapes as a deployment error). The model is the current global one; before
 * there is one, it is the shape most updates share.
 */
import { AggregationError, type AggClient, type Aggregation, type ClientRejection } from '../../../algorithms/aggregation/types.js';
import type { WeightTensor } from '../../estimator.js';
import { renamedLike, shapeMismatch, structureKey } from '../structure.js';
import type { AcceptedUpdate, OpenRound } from './open-round.js';

export interface CombinedRound {
  /** The new global model; undefined when no update could be used. */
  readonly weights: WeightTensor[] | undefined;
  /** The updates the strategy used (Krum: the ones it selected). */
  readonly used: readonly AcceptedUpdate[];
  readonly rejected: readonly ClientRejection[];
  readonly totalSamples: number;
  readonly aggregationMs: number;
}

/** The updates that fit the model, under its tensor names, and the ones that do not. */
export function fitToModel(
  updates: readonly AcceptedUpdate[],
  global: readonly WeightTensor[] | undefined,
): { fitting: AcceptedUpdate[]; rejected: ClientRejection[] } {
  const reference = global ?? majorityModel(updates);
  const fitting: AcceptedUpdate[] = [];
  const rejected: ClientRejection[] = [];
  if (reference === undefined) return { fitting, rejected };
  for (const update of updates) {
    const problem = shapeMismatch(reference, update.weights);
    if (problem === undefined) fitting.push({ ...update, weights: renamedLike(reference, update.weights) });
    else rejected.push({ id: update.id, reason: global === undefined ? `${problem} (the shapes most workers sent)` : problem });
  }
  return { fitting, rejected };
}

/** The weights of the largest group of updates with equal shapes (ties: the group that answered first). */
function majorityModel(updates: readonly AcceptedUpdate[]): readonly WeightTensor[] | undefined {
  const groups = new Map<string, AcceptedUpdate[]>();
  for (const update of updates) {
    const key = structureKey(update.weights);
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [update]);
    else group.push(update);
  }
  let best: AcceptedUpdate[] | undefined;
  for (const group of groups.values()) if (best === undefined || group.length > best.length) best = group;
  // Prefer a worker's own tensor names over the positional ones of JSON workers.
  return (best?.find((update) => update.named) ?? best?.[0])?.weights;
}

export async function combineRound(updates: readonly AcceptedUpdate[], global: readonly WeightTensor[] | undefined, aggregation: Aggregation): Promise<CombinedRound> {
  const { fitting, rejected } = fitToModel(updates, global);
  if (fitting.length === 0) return { weights: undefined, used: [], rejected, totalSamples: 0, aggregationMs: 0 };
  const clients: AggClient[] = fitting.map((update) => ({ id: update.id, numSamples: update.numSamples, weights: update.weights }));
  const started = performance.now();
  try {
    const result = await aggregation.aggregate(clients);
    const used = new Set(result.accepted);
    return {
      weights: result.weights,
      used: fitting.filter((update) => used.has(update.id)),
      rejected: [...rejected, ...result.rejected],
      totalSamples: result.totalSamples,
      aggregationMs: performance.now() - started,
    };
  } catch (error) {
    if (!(error instanceof AggregationError)) throw error;
    const named = error.rejected.length > 0 ? error.rejected : fitting.map((update) => ({ id: update.id, reason: error.message }));
    return { weights: undefined, used: [], rejected: [...rejected, ...named], totalSamples: 0, aggregationMs: performance.now() - started };
  }
}

/**
 * What the server does with a closed round: combines its updates, then gives their memory back for the next
 * round's (the new model is in fresh memory). The round's updates must not be read afterwards.
 */
export async function aggregateClosedRound(round: OpenRound, global: readonly WeightTensor[] | undefined, aggregation: Aggregation): Promise<CombinedRound> {
  try {
    return await combineRound(round.accepted(), global, aggregation);
  } finally {
    round.releaseInputs();
  }
}

/** Sample-weighted mean of one metric over the updates that sent it. */
export function weightedMetric(updates: readonly AcceptedUpdate[], metric: 'loss' | 'accuracy'): number | undefined {
  let sum = 0;
  let weight = 0;
  for (const update of updates) {
    const value = update.metrics?.[metric];
    if (value === undefined) continue;
    sum += value * update.numSamples;
    weight += update.numSamples;
  }
  return weight > 0 ? sum / weight : undefined;
}
