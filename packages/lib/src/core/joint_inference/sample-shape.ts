import type { Estimator } from '../estimator.js';

function isShape(value: unknown): value is readonly number[] {
  return Array.isArray(value) && value.length > 0 && value.every((d) => Number.isInteger(d) && d > 0);
}

/**
 * The per-sample input shape an estimator declares, if it does: `inputShape` (the ONNX estimator, from the graph)
 * or `spec.inputShape` (the tfjs and mlp estimators). Undefined when it does not say or has no model yet.
 */
export function declaredSampleShape(estimator: Estimator): readonly number[] | undefined {
  const candidate = estimator as { inputShape?: unknown; spec?: { inputShape?: unknown } };
  for (const read of [() => candidate.inputShape, () => candidate.spec?.inputShape]) {
    try {
      const shape = read();
      if (isShape(shape)) return [...shape];
    } catch {
      // a getter that throws has no model loaded: the shape is unknown
    }
  }
  return undefined;
}
