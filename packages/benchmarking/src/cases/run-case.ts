/**
 * Runs one test case in this process: the paradigm, then every metric of the test environment (user metrics on
 * the test labels and predictions, system metrics on what the paradigm measured). Throws with the module's or the
 * metric's own message.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadIndex, type LabelledSet } from '../paradigms/data.js';
import { PARADIGM_RUNNERS } from '../paradigms/registry.js';
import { systemMetric } from '../metrics/system.js';
import { callMetric, loadUserMetric } from '../metrics/user.js';
import { useCompiledModules } from './modules.js';
import type { CaseSpec, MetricValue } from './spec.js';

export interface CaseOutput {
  metrics: Record<string, MetricValue>;
  system: Record<string, unknown>;
}

export async function runCase(spec: CaseSpec, log: (line: string) => void): Promise<CaseOutput> {
  useCompiledModules(spec.compiledModules);
  const outputDir = join(spec.outputDir, 'output');
  mkdirSync(outputDir, { recursive: true });
  const lazy = (file: string | undefined, what: string): (() => Promise<LabelledSet>) => {
    let p: Promise<LabelledSet> | undefined;
    return () => (p ??= loadIndex(file, what));
  };
  const test = lazy(spec.testenv.dataset.testIndex, 'test data');
  // Metric files load before the paradigm runs, so a metric that does not even load fails fast.
  const userMetrics = await Promise.all(spec.testenv.metrics.filter((m) => m.url).map(async (m) => ({ name: m.name, fn: await loadUserMetric(m.name, m.url as string) })));
  const run = PARADIGM_RUNNERS[spec.algorithm.paradigm];
  const outcome = await run({ spec, train: lazy(spec.testenv.dataset.trainIndex, 'train data'), test, log, outputDir });
  const metrics: Record<string, MetricValue> = {};
  const testSet = await test();
  for (const ref of spec.testenv.metrics) {
    const user = userMetrics.find((u) => u.name === ref.name);
    metrics[ref.name] = user ? await callMetric(ref.name, user.fn, testSet.y, outcome.predictions) : systemMetric(ref.name, outcome.system);
    log(`metric ${ref.name}: ${JSON.stringify(metrics[ref.name])}`);
  }
  return { metrics, system: outcome.system };
}
