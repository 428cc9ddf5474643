import { ClassFactory, ClassType } from '../../common/class-factory.js';
import type { AlgorithmSpec } from '../../common/config.js';
import { FedAvg } from './fedavg.js';
import { FedProx } from './fedprox.js';
import { FedAvgV2, MistNet } from './plato.js';
import { FedMedian, FedTrimmedAvg, Krum, MultiKrum } from './robust.js';
import { FedAdagrad, FedAdam, FedAvgM, FedYogi } from './server-optimizers.js';
import type { Aggregation } from './types.js';

export { FedAvg, RoundMemory, type EngineOptions } from './fedavg.js';
export { FedProx, addProximalGradient, proximalGradient, proximalTerm } from './fedprox.js';
export { FedAvgV2, MistNet } from './plato.js';
export { FedMedian, FedTrimmedAvg, Krum, MultiKrum, krumScores } from './robust.js';
export { FedAdagrad, FedAdam, FedAvgM, FedYogi, ServerOptimizer, type ServerOptimizerState } from './server-optimizers.js';
export { findNonFinite, screenClients } from './screening.js';
export { AggregationError } from './types.js';
export type { AggClient, Aggregation, AggregationResult, ClientRejection, StatefulAggregation } from './types.js';
export { weightedAverage } from './weighted-average.js';
export { WeightArena, type ArenaOptions } from './weighted-sum/arena.js';
export { WeightedSumEngine, defaultWeightedSumEngine, disposeDefaultWeightedSumEngine, type WeightedSumEngineOptions } from './weighted-sum/engine.js';
export { weightedSumReference, type WeightedSumOutput } from './weighted-sum/reference.js';
export { weightedSumModuleBytes } from './weighted-sum/wasm-module.js';

/** Registers the built-in strategies under ClassType.FL_AGG with their names (idempotent). */
export function registerAggregations(): void {
  const strategies = { FedAvg, FedAvgM, FedAdam, FedYogi, FedAdagrad, FedProx, FedMedian, FedTrimmedAvg, Krum, MultiKrum, MistNet, FedAvgV2 };
  for (const [name, strategy] of Object.entries(strategies)) ClassFactory.register(ClassType.FL_AGG, name)(strategy);
}

/** The strategy a method dict names, e.g. `{method: "FedAdam", param: {eta: "0.05"}}`. */
export function createAggregation(spec: AlgorithmSpec): Aggregation {
  return ClassFactory.createFromSpec<Aggregation>(ClassType.FL_AGG, spec);
}
