/**
 * Reading the stage machine from a job's append-only `status.conditions` (the last one is the state) and the
 * models the earlier conditions carry in their `data` JSON (`{input, output}`).
 */
import type { JobStage, JobStageConditionType, StageCondition } from '@sedna/api';
import type { UpstreamModel } from './upstream.js';

export interface ConditionData {
  input?: { models?: UpstreamModel[]; dataURL?: string; dataIndexURL?: string; outputDir?: string };
  output?: { models?: UpstreamModel[]; ownerInfo?: Record<string, unknown> };
}

export function latestCondition(conditions: readonly StageCondition[]): StageCondition | undefined {
  return conditions[conditions.length - 1];
}

/**
 * Identifies the latest condition, so an action taken for it is not taken again when the same job comes back
 * (an update of something else, a resync, an LC restart). Conditions are only appended, so their count tells
 * them apart; the transition time guards against a list rebuilt with the same length.
 */
export function conditionMark(conditions: readonly StageCondition[]): string {
  const last = latestCondition(conditions);
  if (!last) return '0';
  return `${conditions.length}:${last.stage}/${last.type}@${last.lastTransitionTime ?? ''}`;
}

/** The `data` of a condition; a condition without data, or with data that is not JSON, has none. */
export function conditionData(condition: StageCondition): ConditionData {
  if (!condition.data) return {};
  try {
    const parsed: unknown = JSON.parse(condition.data);
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return {};
    const data = parsed as Record<string, unknown>;
    return {
      ...(isObject(data.input) ? { input: { ...data.input, ...withModels(data.input.models) } } : {}),
      ...(isObject(data.output) ? { output: { ...data.output, ...withModels(data.output.models) } } : {}),
    } as ConditionData;
  } catch {
    return {};
  }
}

function withModels(models: unknown): { models?: UpstreamModel[] } {
  if (!Array.isArray(models)) return {};
  return { models: models.filter((m): m is UpstreamModel => isObject(m) && typeof m.url === 'string' && m.url !== '').map((m) => ({ ...m, format: typeof m.format === 'string' ? m.format : '' })) };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

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
