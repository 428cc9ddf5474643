/**
 * The eval worker: scores every task group of the index at MODEL_URLS on TEST_DATASET_URL, and keeps for the edge
 * the groups whose first metric passes `operator` `model_threshold`. Reports to LC_SERVER.
 */
import { createLifelong, loadSamples, requireEnv } from './worker-config.js';

const samples = await loadSamples(requireEnv('TEST_DATASET_URL'), 'eval');
const result = await createLifelong().evaluate(samples);
for (const [group, evaluation] of Object.entries(result.groups)) {
  const scores = Object.entries(evaluation.scores).map(([k, v]) => `${k} ${Number.isFinite(v) ? v.toFixed(4) : 'n/a'}`);
  console.log(`${group}: ${evaluation.samples} samples, ${scores.join(', ')}${evaluation.deploy ? '' : ' (withdrawn)'}`);
}
console.log(`${result.unseenSamples} samples match no task; index ${result.index.create_time} written to ${result.indexUrl}`);
