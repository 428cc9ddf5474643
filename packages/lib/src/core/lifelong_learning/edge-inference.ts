/**
 * One inference request on the edge (the original's LifelongLearning.inference):
 *   1. unseen sample recognition: which samples the knowledge base knows;
 *   2. task allocation of the seen ones; a seen sample whose task is unknown (its attributes match no task) or
 *      withdrawn by the evaluation is unseen too, with that reason;
 *   3. unseen samples are answered by the unseen task allocation's choice of deployed model (or by the unseen
 *      estimator when the job gave one) and saved for labelling;
 *   4. remodeling by group, one predict call per group, integration back into input order.
 */
import type { SampleSet } from '../../algorithms/lifelong/sample-set.js';
import type { PredictedPart } from '../../algorithms/lifelong/types.js';
import type { Tensor } from '../estimator.js';
import { predictedClasses } from './evaluation-metrics.js';
import type { LoadedKnowledge } from './loaded-knowledge.js';
import type { LifelongParts } from './parts.js';
import type { UnseenSampleWriter } from './unseen-samples.js';

export type UnseenReason =
  /** The recognition found the sample unlike every deployed task. */
  | 'unseen-sample'
  /** The sample looked familiar but its attributes (cluster, origin) match no task. */
  | 'no-matching-task'
  /** Its task's model was withdrawn by the evaluation. */
  | 'task-not-deployed';

export const UNSEEN_ESTIMATOR_GROUP = '(unseen estimator)';

export interface SampleOutcome {
  readonly seen: boolean;
  /** The task the sample belongs to (seen) or is nearest to (unseen), when known. */
  readonly task: string | null;
  /** The group whose model answered. */
  readonly answeredBy: string;
  readonly reason?: UnseenReason;
  /** The recognition's score: 1 is its threshold, more is farther from what the knowledge base knows. */
  readonly score: number;
}

export interface LifelongInferenceResult {
  /** [n, outputs] in input order. */
  readonly predictions: Tensor;
  readonly outcomes: readonly SampleOutcome[];
  /** As the original: a boolean for one sample, else sample id to whether it was unseen. */
  readonly isUnseenTask: boolean | Readonly<Record<string, boolean>>;
  /** The groups that answered and the input positions each answered. */
  readonly tasks: readonly { group: string; indices: readonly number[] }[];
  /** create_time of the index that served the request. */
  readonly version: string;
}

export async function runInference(parts: LifelongParts, knowledge: LoadedKnowledge, data: SampleSet, unseenWriter: UnseenSampleWriter | undefined): Promise<LifelongInferenceResult> {
  const { algorithms } = parts;
  const { catalog } = knowledge;
  const n = data.size;
  const verdicts = await algorithms.unseenSampleRecognition.recognize(data, catalog);
  if (verdicts.length !== n) throw new Error(`${algorithms.unseenSampleRecognition.name} judged ${verdicts.length} of ${n} samples`);
  const deployed = new Set(catalog.tasks.filter((t) => t.deployed).map((t) => t.group));
  const groupOfTask = new Map(catalog.tasks.map((t) => [t.entry, t.group]));

  const answeredBy: (string | null)[] = new Array(n).fill(null);
  const task: (string | null)[] = verdicts.map((v) => v.nearestTask);
  const reason: (UnseenReason | undefined)[] = verdicts.map((v) => (v.seen ? undefined : 'unseen-sample'));
  const seenIndices = verdicts.flatMap((v, i) => (v.seen ? [i] : []));
  if (seenIndices.length > 0) {
    const allocated = algorithms.taskAllocation.allocate(data.subset(seenIndices), catalog);
    seenIndices.forEach((i, k) => {
      const entry = allocated[k] ?? null;
      const group = entry === null ? undefined : groupOfTask.get(entry);
      if (entry === null || group === undefined) reason[i] = 'no-matching-task';
      else if (!deployed.has(group)) {
        reason[i] = 'task-not-deployed';
        task[i] = entry;
      } else {
        task[i] = entry;
        answeredBy[i] = group;
      }
    });
  }
  const unseenIndices = reason.flatMap((r, i) => (r === undefined ? [] : [i]));
  if (unseenIndices.length > 0) {
    if (parts.unseenEstimator !== undefined) {
      for (const i of unseenIndices) answeredBy[i] = UNSEEN_ESTIMATOR_GROUP;
    } else {
      const allocated = await algorithms.unseenTaskAllocation.allocate(data.subset(unseenIndices), catalog);
      unseenIndices.forEach((i, k) => {
        const group = allocated[k] === null || allocated[k] === undefined ? undefined : groupOfTask.get(allocated[k] as string);
        if (group === undefined || !deployed.has(group)) throw new Error(`no deployed model can answer unseen sample ${data.ids[i]}: the knowledge base serves no task group`);
        answeredBy[i] = group;
      });
    }
  }

  const { parts: batches, unassigned } = algorithms.taskRemodeling.remodel(data, answeredBy);
  if (unassigned.length > 0) throw new Error(`${unassigned.length} samples were given to no model`);
  const predicted: PredictedPart[] = [];
  for (const batch of batches) {
    const predictions = batch.group === UNSEEN_ESTIMATOR_GROUP ? await (parts.unseenEstimator as NonNullable<LifelongParts['unseenEstimator']>).predict(batch.samples.features) : await knowledge.predict(batch.group, batch.samples);
    predicted.push({ indices: batch.indices, predictions });
  }
  const predictions = algorithms.inferenceIntegrate.integrate(predicted, n);

  if (unseenIndices.length > 0 && unseenWriter !== undefined) {
    const classes = predictedClasses(predictions);
    await unseenWriter.save(
      data.subset(unseenIndices),
      unseenIndices.map((i) => ({ reason: reason[i] as string, score: (verdicts[i] as { score: number }).score, nearestTask: task[i] ?? null, predicted: classes[i] as number })),
    );
  }
  const outcomes: SampleOutcome[] = answeredBy.map((group, i) => ({
    seen: reason[i] === undefined,
    task: task[i] ?? null,
    answeredBy: group as string,
    ...(reason[i] !== undefined ? { reason: reason[i] } : {}),
    score: (verdicts[i] as { score: number }).score,
  }));
  const isUnseenTask = n === 1 ? !(outcomes[0] as SampleOutcome).seen : Object.fromEntries(outcomes.map((o, i) => [data.ids[i] as string, !o.seen]));
  return { predictions, outcomes, isUnseenTask, tasks: batches.map((b) => ({ group: b.group, indices: b.indices })), version: knowledge.index.create_time };
}
