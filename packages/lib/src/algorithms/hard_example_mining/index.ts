import { ClassFactory, ClassType } from '../../common/class-factory.js';
import { Context, type AlgorithmSpec, type Env } from '../../common/config.js';
import { CrossEntropyFilter } from './cross-entropy.js';
import { CloudOnlyFilter, EdgeOnlyFilter } from './fixed.js';
import { IBTFilter } from './ibt.js';
import { RandomFilter } from './random.js';
import { ThresholdFilter } from './threshold.js';
import type { HardExampleMining } from './types.js';

export { CrossEntropyFilter } from './cross-entropy.js';
export { CloudOnlyFilter, EdgeOnlyFilter } from './fixed.js';
export { IBTFilter } from './ibt.js';
export { RandomFilter, type RandomFilterOptions } from './random.js';
export { ThresholdFilter } from './threshold.js';
export type { BoundingBox, ClassProbabilities, DetectionResult, HardExampleMining } from './types.js';

/** Registers the built-in filters under their original aliases (idempotent). */
export function registerHardExampleMining(): void {
  ClassFactory.register(ClassType.HEM, 'Threshold')(ThresholdFilter);
  ClassFactory.register(ClassType.HEM, 'IBT')(IBTFilter);
  ClassFactory.register(ClassType.HEM, 'CrossEntropy')(CrossEntropyFilter);
  ClassFactory.register(ClassType.HEM, 'Random')(RandomFilter);
  ClassFactory.register(ClassType.HEM, 'CloudOnly')(CloudOnlyFilter);
  ClassFactory.register(ClassType.HEM, 'EdgeOnly')(EdgeOnlyFilter);
}

/** The filter a method dict names, e.g. `Context.getAlgorithmFromApi('HEM')`'s result. */
export function createHardExampleMining(spec: AlgorithmSpec): HardExampleMining {
  return ClassFactory.createFromSpec<HardExampleMining>(ClassType.HEM, spec);
}

/**
 * The mining an option names (an instance, or a method dict), or else the one HEM_NAME/HEM_PARAMETERS name; null
 * when there is none or the option is null. Joint inference and incremental learning share it.
 */
export function resolveHardExampleMining(choice: HardExampleMining | AlgorithmSpec | null | undefined, env: Env = process.env): HardExampleMining | null {
  if (choice === null) return null;
  if (choice !== undefined && 'isHard' in choice) return choice;
  const spec = choice ?? new Context(env).getAlgorithmFromApi('HEM');
  if (spec === undefined) return null;
  registerHardExampleMining();
  return createHardExampleMining(spec);
}
