/**
 * The sample-weighted average Σ nₖwₖ / Σ nₖ that FedAvg, FedProx, the server optimizers and MultiKrum share,
 * on the SIMD weighted-sum engine.
 */
import type { WeightedSumEngine } from './weighted-sum/engine.js';
import { findNonFinite, screenClients, tensorsLike } from './screening.js';
import { AggregationError, type AggClient, type AggregationResult, type ClientRejection } from './types.js';

export async function weightedAverage(clients: readonly AggClient[], strategy: string, engine: WeightedSumEngine): Promise<AggregationResult> {
  const screened = screenClients(clients, strategy, { scanWeights: false });
  let accepted = screened.clients;
  const rejected: ClientRejection[] = [...screened.rejected];
  for (;;) {
    const totalSamples = accepted.reduce((sum, client) => sum + client.numSamples, 0);
    if (totalSamples === 0) {
      throw new AggregationError(`${strategy}: the clients report 0 samples in all, so they cannot be weighed (the original divided by zero)`, rejected);
    }
    const coefficients = accepted.map((client) => client.numSamples / totalSamples);
    const sum = await engine.weightedSum(
      accepted.map((client) => client.weights.map((tensor) => tensor.data)),
      coefficients,
    );
    if (!sum.nonFinite) {
      return { weights: tensorsLike(accepted[0]!.weights, sum.layers), totalSamples, accepted: accepted.map((client) => client.id), rejected };
    }
    // Some output is NaN or infinite: find the clients that sent non-finite weights and go on without them.
    const stillAccepted: AggClient[] = [];
    for (const client of accepted) {
      const problem = findNonFinite(client);
      if (problem === undefined) stillAccepted.push(client);
      else rejected.push({ id: client.id, reason: problem });
    }
    if (stillAccepted.length === accepted.length) {
      throw new AggregationError(`${strategy}: the weighted average overflowed float32 although every client's weights are finite`, rejected);
    }
    if (stillAccepted.length === 0) {
      const reasons = rejected.map((rejection) => `"${rejection.id}": ${rejection.reason}`).join('; ');
      throw new AggregationError(`${strategy}: no usable client update is left (${reasons})`, rejected);
    }
    accepted = stillAccepted;
  }
}
