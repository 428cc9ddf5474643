/**
 * Reading the stage machine from a job's `status.conditions` (the last one is the state) and the models the earlier
 * conditions carry in their `data` JSON (`{input, output}`, parsed by the stage protocol of @sedna/api/contracts).
 * The history is bounded, but keeps the latest condition of each stage and type (and the latest with models), so
 * each lookup below finds what it found in the full history.
 */
import type { JobStage, JobStageConditionType, StageCondition } from '@sedna/api';
import { parseStageData as conditionData, type UpstreamModel } from '@sedna/api/contracts';

function lastIndexOf(conditions: readonly StageCondition[], stage: JobStage, type: JobStageConditionType, before = conditions.length): number {
  for (let i = Math.min(before, conditions.length) - 1; i >= 0; i--) {
    const c = conditions[i] as StageCondition;
    if (c.stage === stage && c.type === type) return i;
  }
  return -1;
}

/** Models in `which` of the latest `stage`/`type` condition at or after `from` that has any. */
function modelsOfLatest(conditions: readonly StageCondition[], stage: JobStage, type: JobStageConditionType, which: 'input' | 'output', from = 0): UpstreamModel[] | undefined {
  for (let i = conditions.length - 1; i >= Math.max(0, from); i--) {
    const c = conditions[i] as StageCondition;
    if (c.stage !== stage || c.type !== type) continue;
    const models = conditionData(c)[which]?.models;
    if (models && models.length > 0) return models;
  }
  return undefined;
}

/** The models the train worker of the current round reported (Train/Completed after the last Train/Ready). */
export function roundTrainedModels(conditions: readonly StageCondition[]): UpstreamModel[] | undefined {
  const ready = lastIndexOf(conditions, 'Train', 'Ready');
  if (ready < 0) return undefined;
  return modelsOfLatest(conditions, 'Train', 'Completed', 'output', ready + 1);
}

/** The models of the latest Train/Completed of any round: the base of the next round. */
export function lastTrainedModels(conditions: readonly StageCondition[]): UpstreamModel[] | undefined {
  return modelsOfLatest(conditions, 'Train', 'Completed', 'output');
}

/** The models the current round's eval stage compared, `[trained, old]`, as the LC sent them with Eval/Ready. */
export function roundEvalInputModels(conditions: readonly StageCondition[]): UpstreamModel[] | undefined {
  return modelsOfLatest(conditions, 'Eval', 'Ready', 'input');
}

/** The eval worker's results for the current round (Eval/Completed after the last Eval/Ready), one per model. */
export function roundEvalResults(conditions: readonly StageCondition[]): UpstreamModel[] | undefined {
  const ready = lastIndexOf(conditions, 'Eval', 'Ready');
  if (ready < 0) return undefined;
  return modelsOfLatest(conditions, 'Eval', 'Completed', 'output', ready + 1);
}

/** The models of the deployment in progress, `[trained, deploy]`: the input of the latest Deploy condition carrying them. */
export function deployingModels(conditions: readonly StageCondition[]): UpstreamModel[] | undefined {
  const ready = lastIndexOf(conditions, 'Deploy', 'Ready');
  if (ready < 0) return undefined;
  return modelsOfLatest(conditions, 'Deploy', 'Running', 'input', ready) ?? modelsOfLatest(conditions, 'Deploy', 'Starting', 'input', ready) ?? modelsOfLatest(conditions, 'Deploy', 'Ready', 'input', ready);
}

/** The round number the train stage of the current cycle used: the last segment of its Train/Ready outputDir. */
export function roundOfCycle(conditions: readonly StageCondition[]): number | undefined {
  const ready = lastIndexOf(conditions, 'Train', 'Ready');
  if (ready < 0) return undefined;
  const outputDir = conditionData(conditions[ready] as StageCondition).input?.outputDir;
  const round = Number(outputDir?.replace(/\/+$/, '').split('/').pop());
  return Number.isInteger(round) && round > 0 ? round : undefined;
}

/** The model of `models` in `format` (case-insensitive), else undefined. */
export function modelInFormat(models: readonly UpstreamModel[], format: string): UpstreamModel | undefined {
  const wanted = format.toLowerCase();
  return models.find((m) => m.format.toLowerCase() === wanted);
}
