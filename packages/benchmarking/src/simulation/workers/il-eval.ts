/**
 * The eval worker of a simulated incremental learning case (one Pod per round, from the evalSpec): the lib's
 * IncrementalLearning.evaluate of MODEL_URLS (`new;old`) with testenv's model_eval metric, on the round's
 * evaluation part of Ianvs's split (EVAL_INDEX, which the case writes before the round) rather than the job's own
 * eval share of the new samples, so the decision is Ianvs's; the lib reports `eval completed` with the metric per
 * model, and the LC's deploy trigger compares them (`<metric>_delta` = new - old).
 */
import { readFileSync } from 'node:fs';
import { IncrementalLearning } from '@sedna/lib';
import { moduleInstance, requireModule } from '../../cases/modules.js';
import type { CaseSpec } from '../../cases/spec.js';
import { loadIndex, predictedClasses } from '../../paradigms/data.js';
import { modelEvalMetric } from '../../paradigms/incremental.js';
import type { BaseModel } from '../../paradigms/types.js';

const spec = JSON.parse(readFileSync(process.env.CASE_SPEC as string, 'utf8')) as CaseSpec;
const log = (line: string): void => console.log(`[eval] ${line}`);
try {
  const base = requireModule(spec.modules, 'basemodel', 'incrementallearning');
  const metric = await modelEvalMetric({ spec });
  const data = await loadIndex(process.env.EVAL_INDEX as string, 'evaluation data');
  const il = new IncrementalLearning<BaseModel>({ estimator: await moduleInstance<BaseModel>(base), hardExampleMining: null, hardExamples: false, log });
  const results = await il.evaluate(
    { x: data.x, y: data.y },
    { estimatorFor: () => moduleInstance<BaseModel>(base), metrics: async (estimator, d) => ({ [metric.name]: await metric.score(d.y as Int32Array, predictedClasses(await estimator.predict(d.x))) }) },
  );
  log(`evaluated on ${data.y.length} samples: ${results.map((r) => `${r.url} ${JSON.stringify(r.metrics)}`).join('; ')}`);
  process.exit(0);
} catch (err) {
  console.error(`eval worker failed: ${(err as Error).stack ?? String(err)}`);
  process.exit(1);
}
