/**
 * User metrics: a file registers a function under ClassType.GENERAL with the metric's name (Ianvs's
 * `@ClassFactory.register(ClassType.GENERAL, alias="f1_score")`); it is called as `metric(yTrue, yPred)` with the
 * test labels and the predicted classes, and returns a number.
 */
import { ClassFactory, ClassType } from '@sedna/lib/common';
import { importModuleFile } from '../cases/modules.js';

export type MetricFunction = (yTrue: Int32Array, yPred: Int32Array) => number | Promise<number>;

export async function loadUserMetric(name: string, url: string): Promise<MetricFunction> {
  await importModuleFile(url, `metric "${name}"`);
  let fn: unknown;
  try {
    fn = ClassFactory.getCls(ClassType.GENERAL, name);
  } catch (err) {
    throw new Error(`metric "${name}": ${url} loaded but did not register it: ${(err as Error).message}`, { cause: err });
  }
  if (typeof fn !== 'function') throw new Error(`metric "${name}" is registered but is not a function`);
  return fn as MetricFunction;
}

/** Calls a metric; a throw or a value that is not a finite number fails with the metric's name. */
export async function callMetric(name: string, fn: MetricFunction, yTrue: Int32Array, yPred: Int32Array): Promise<number> {
  let value: unknown;
  try {
    value = await fn(yTrue, yPred);
  } catch (err) {
    throw new Error(`metric "${name}" failed: ${(err as Error).message}`, { cause: err });
  }
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new Error(`metric "${name}" returned ${JSON.stringify(value)}, not a finite number`);
  return value;
}
