/** A test metric that throws when every prediction is the same class. */
import { ClassFactory, ClassType } from '@sedna/lib';

export function needs_variety(_yTrue: Int32Array, yPred: Int32Array): number {
  if (new Set(yPred).size < 2) throw new Error('predictions are all one class');
  return new Set(yPred).size;
}

ClassFactory.register(ClassType.GENERAL, 'needs_variety')(needs_variety);
