/**
 * The evaluation round (the original's evaluate): every test sample goes to its task's group by the task
 * allocation, each group's model is scored on its samples, and the deploy rule (operator, model_threshold) decides
 * which groups the edge serves. Samples that match no task count as unseen. The groups' deploy status is set
 * through the KB's update/status route (falling back to the index itself without a KB), and the resulting index,
 * with the scores in each model's metrics (`eval_<metric>`), is written to the output folder and reported.
 */
import type { SampleSet } from '../../algorithms/lifelong/sample-set.js';
import { ArtifactStore } from './artifact-store.js';
import { readText } from './cloud-train.js';
import { computeMetric, deployRule, metricSettings, predictedClasses, satisfies, type MetricSettings } from './evaluation-metrics.js';
import { newCreateTime, parseKbIndex, withDeployStatus, type KbIndex, type KbModelRecord } from './kb-index.js';
import { LoadedKnowledge } from './loaded-knowledge.js';
import type { LifelongParts } from './parts.js';
import { indexResult } from './reports.js';

export interface GroupEvaluation {
  samples: number;
  /** Metric name to value (NaN without samples). */
  scores: Record<string, number>;
  deploy: boolean;
}

export interface LifelongEvalResult {
  index: KbIndex;
  indexUrl: string;
  groups: Record<string, GroupEvaluation>;
  /** The metrics over every allocated test sample. */
  overall: Record<string, number>;
  /** Test samples no known task took. */
  unseenSamples: number;
}

export async function evaluateKnowledge(parts: LifelongParts, testData: SampleSet): Promise<LifelongEvalResult> {
  const { settings, algorithms, log } = parts;
  const labels = testData.requireLabels('lifelong evaluation');
  const indexUrl = settings.modelUrls[0];
  if (indexUrl === undefined) throw new Error('evaluation needs MODEL_URLS, the knowledge base index to evaluate');
  const evaluated = parseKbIndex(await readText(parts, indexUrl, 'the knowledge base index (MODEL_URLS)'), indexUrl);
  const knowledge = await LoadedKnowledge.open(evaluated, { storage: parts.storage, estimatorFactory: parts.seenEstimator, profiles: false });
  const metrics = metricSettings(settings.metrics, settings.metricParam);
  const rule = deployRule(settings.operator, settings.modelThreshold);

  const taskOf = algorithms.taskAllocation.allocate(testData, knowledge.catalog);
  const groupOf = taskOf.map((task) => (task === null ? null : (knowledge.groupOfTask(task) ?? null)));
  const { parts: batches, unassigned } = algorithms.taskRemodeling.remodel(testData, groupOf);
  const groups: Record<string, GroupEvaluation> = {};
  const allTruth: number[] = [];
  const allPredicted: number[] = [];
  for (const batch of batches) {
    const predicted = predictedClasses(await knowledge.predict(batch.group, batch.samples));
    const truth = batch.indices.map((i) => labels[i] as number);
    allTruth.push(...truth);
    allPredicted.push(...predicted);
    const scores = score(metrics, truth, predicted);
    groups[batch.group] = { samples: batch.indices.length, scores, deploy: satisfies(rule, scores[metrics.names[0] as string] as number) };
  }
  await knowledge.dispose();
  for (const group of evaluated.seen_task.task_groups) {
    // A group without test samples keeps its status: there is nothing to judge it by.
    groups[group.entry] ??= { samples: 0, scores: Object.fromEntries(metrics.names.map((n) => [n, Number.NaN])), deploy: group.deploy };
  }
  const overall = allTruth.length > 0 ? score(metrics, allTruth, allPredicted) : {};
  log(
    `evaluated ${testData.size} samples: ${Object.entries(groups)
      .map(([g, e]) => `${g} ${e.samples} samples ${metrics.names[0]} ${fmt(e.scores[metrics.names[0] as string])}${e.deploy ? '' : ' (withdrawn)'}`)
      .join('; ')}; ${unassigned.length} match no task`,
  );

  const withScores: KbIndex = {
    ...evaluated,
    create_time: newCreateTime(evaluated.create_time),
    seen_task: {
      ...evaluated.seen_task,
      task_groups: evaluated.seen_task.task_groups.map((g) => {
        const evaluation = groups[g.entry] as GroupEvaluation;
        const model = g.model as KbModelRecord;
        const evalMetrics = Object.fromEntries(Object.entries(evaluation.scores).filter(([, v]) => Number.isFinite(v)).map(([k, v]) => [`eval_${k}`, v]));
        return { ...g, model: { ...model, metrics: { ...model.metrics, ...evalMetrics } } };
      }),
    },
  };
  const keep = Object.entries(groups).filter(([, e]) => e.deploy).map(([g]) => g);
  const drop = Object.entries(groups).filter(([, e]) => !e.deploy).map(([g]) => g);
  const final = await applyDeployStatus(parts, withScores, keep, drop);
  const store = new ArtifactStore({ outputUrl: settings.outputUrl, storage: parts.storage, log });
  const written = store.outputPath('index.json');
  await parts.storage.writeText(written, JSON.stringify(final));

  const groupMetrics: Record<string, Record<string, number>> = {};
  for (const group of final.seen_task.task_groups) {
    const evaluation = groups[group.entry] as GroupEvaluation;
    const first = evaluation.scores[metrics.names[0] as string] as number;
    groupMetrics[group.entry] = {
      ...Object.fromEntries(Object.entries(evaluation.scores).filter(([, v]) => Number.isFinite(v))),
      ...(Number.isFinite(first) ? { precision: first } : {}),
      samples: (group.model as KbModelRecord).train_samples,
      test_samples: evaluation.samples,
    };
  }
  await parts.reporter.report('eval', 'completed', [indexResult(final, written, overall, groupMetrics)]);
  return { index: final, indexUrl: written, groups, overall, unseenSamples: unassigned.length };
}

/** Deploy status through the KB (recording the scored index first), or in the index itself without one. */
async function applyDeployStatus(parts: LifelongParts, index: KbIndex, keep: string[], drop: string[]): Promise<KbIndex> {
  let local = index;
  if (drop.length > 0) local = withDeployStatus(local, drop, false);
  if (keep.length > 0) local = withDeployStatus(local, keep, true);
  const kb = parts.kb;
  if (kb === undefined) return local;
  try {
    await kb.updateDb(index);
    let url = '';
    if (drop.length > 0) url = await kb.updateTaskStatus(drop, 0);
    if (keep.length > 0) url = await kb.updateTaskStatus(keep, 1);
    if (url === '') return local;
    return parseKbIndex(await readText(parts, url, 'the index the knowledge base rewrote'), url);
  } catch (error) {
    parts.log(`the knowledge base did not take the deploy status (${(error as Error).message}); the index records it`);
    return local;
  }
}

function score(settings: MetricSettings, truth: readonly number[], predicted: ArrayLike<number>): Record<string, number> {
  const scores: Record<string, number> = { accuracy: computeMetric('accuracy_score', truth, predicted) };
  for (const name of settings.names) scores[name] = computeMetric(name, truth, predicted, settings.average);
  return scores;
}

function fmt(value: number | undefined): string {
  return value === undefined || !Number.isFinite(value) ? 'n/a' : value.toFixed(4);
}
