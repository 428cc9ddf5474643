import { ClassFactory, ClassType } from '../../common/class-factory.js';
import type { AlgorithmSpec } from '../../common/config.js';
import { FractionClientChoose } from './fraction.js';
import { SimpleClientChoose } from './simple.js';
import type { ClientChoose } from './types.js';

export { FractionClientChoose } from './fraction.js';
export { checkUniqueIds, sampleWithoutReplacement } from './sampling.js';
export { SimpleClientChoose, type ClientChooseOptions } from './simple.js';
export type { ClientChoose } from './types.js';

/** Registers the built-in policies under ClassType.CLIENT_CHOOSE (idempotent). */
export function registerClientChoose(): void {
  ClassFactory.register(ClassType.CLIENT_CHOOSE, 'SimpleClientChoose')(SimpleClientChoose);
  ClassFactory.register(ClassType.CLIENT_CHOOSE, 'FractionClientChoose')(FractionClientChoose);
}

export function createClientChoose(spec: AlgorithmSpec): ClientChoose {
  return ClassFactory.createFromSpec<ClientChoose>(ClassType.CLIENT_CHOOSE, spec);
}
