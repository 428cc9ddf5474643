/**
 * Test cases of an algorithm: the Cartesian product of each module's hyperparameter values, then across modules
 * (Ianvs's generation_assistant.get_full_combinations, itertools.product order: the last factor varies fastest).
 */
import type { AlgorithmConfig, HyperValue, ModuleConfig } from '../config/algorithm.js';

/** One module as a test case uses it: a single value for each hyperparameter. */
export interface ModuleInstance {
  type: ModuleConfig['type'];
  name: string;
  url: string | undefined;
  hyperparameters: Record<string, HyperValue>;
}

export function product<T>(lists: readonly (readonly T[])[]): T[][] {
  let out: T[][] = [[]];
  for (const list of lists) out = out.flatMap((prefix) => list.map((v) => [...prefix, v]));
  return out;
}

function moduleCombinations(module: ModuleConfig): ModuleInstance[] {
  const names = module.hyperparameters.map((h) => h.name);
  return product(module.hyperparameters.map((h) => h.values)).map((values) => ({
    type: module.type,
    name: module.name,
    url: module.url,
    hyperparameters: Object.fromEntries(names.map((n, i) => [n, values[i] as HyperValue])),
  }));
}

/** Every combination of the algorithm's modules, each a list of module instances in file order. */
export function expandGrid(algorithm: AlgorithmConfig): ModuleInstance[][] {
  return product(algorithm.modules.map(moduleCombinations));
}
