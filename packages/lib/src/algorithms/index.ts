/**
 * The algorithms workers plug in by name. Importing this module registers every built-in one in the
 * ClassFactory, under the original names where the original had them.
 */
import { registerAggregations } from './aggregation/index.js';
import { registerClientChoose } from './client_choose/index.js';
import { registerCompression } from './compression/index.js';
import { registerHardExampleMining } from './hard_example_mining/index.js';
import { registerLifelongAlgorithms } from './lifelong/index.js';

export * from './aggregation/index.js';
export * from './client_choose/index.js';
export * from './compression/index.js';
export * from './hard_example_mining/index.js';
export * from './lifelong/index.js';
export { ParamReader, type AlgorithmParams } from './params.js';

/** Registers every built-in algorithm (idempotent; importing this module already did). */
export function registerBuiltinAlgorithms(): void {
  registerHardExampleMining();
  registerAggregations();
  registerClientChoose();
  registerCompression();
  registerLifelongAlgorithms();
}

registerBuiltinAlgorithms();
