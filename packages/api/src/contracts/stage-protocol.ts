/**
 * The stage protocol of the stage jobs (IncrementalLearningJob, LifelongLearningJob) between the GM and the LC
 * (reference §3.2, §3.7): what the LC sends upstream (`{phase, status, input, output}`), the stage conditions the GM
 * writes from it (stage from `phase`, type from `status`, `data` = `{input, output}` as JSON) and the job's status:
 * an explicit current round, stage and phase, and a bounded history of conditions.
 *
 * Bounded history (the original appends forever): the GM keeps the last MAX_RECENT_STAGE_CONDITIONS conditions and,
 * older than those, only the latest condition of each stage and type (and the latest of each that carries models), so
 * that every "latest X" the GM, the LC and the metrics look up (the last trained model, the last deploy) is still
 * there. Counting conditions says nothing any more: the round is `status.round`.
 */
import type { JobStage, JobStageConditionType, StageCondition } from '../sedna/common.js';

/** What the LC sends for a stage (`phase`) and how it went (`status`). */
export type StagePhase = 'train' | 'eval' | 'deploy';
export type StageStatus = 'ready' | 'completed' | 'failed' | 'waiting';

/** The stage a phase names. */
export const STAGE_OF_PHASE: Readonly<Record<StagePhase, JobStage>> = { train: 'Train', eval: 'Eval', deploy: 'Deploy' };
/** The condition type a status names. */
export const CONDITION_OF_STATUS: Readonly<Record<StageStatus, JobStageConditionType>> = { ready: 'Ready', completed: 'Completed', failed: 'Failed', waiting: 'Waiting' };

/** The stage after each: Train -> Eval -> Deploy -> Train, forever. */
export const NEXT_STAGE: Readonly<Record<JobStage, JobStage>> = { Train: 'Eval', Eval: 'Deploy', Deploy: 'Train' };

/** A model reference as the original's runtime.Model serialises it. */
export interface UpstreamModel {
  format: string;
  url: string;
  device_soc_versions?: string[];
  metrics?: Record<string, unknown>;
  [field: string]: unknown;
}

/** What the LC prepared for a stage (the `input` of Ready). */
export interface UpstreamInput {
  models?: UpstreamModel[];
  /** The round's sample file (host path). */
  dataURL?: string;
  /** The round's index with the dataset's folder as its first line; only for remote datasets, as the original. */
  dataIndexURL?: string;
  /** Where the train worker writes the round's model (host path). */
  outputDir?: string;
  /** Samples in the round's data file: the proposal's TrainSampleNum and EvalSampleNum (metrics read them). */
  numberOfSamples?: number;
  /** The round (iteration) number the data belongs to: the proposal's IterationNo. */
  round?: number;
}

/** What a stage's worker produced (the `output` of Completed, from its report). */
export interface UpstreamOutput {
  models?: Record<string, unknown>[];
  ownerInfo?: Record<string, unknown>;
}

/** A type alias (not an interface) so it is assignable to the channel's `Record<string, unknown>` content. */
export type StageUpstreamContent = {
  phase: StagePhase | string;
  status: StageStatus | string;
  input?: UpstreamInput;
  output?: UpstreamOutput;
};

/** The `data` of a stage condition, parsed: models without a url are dropped, a missing format is "". */
export interface StageData {
  input?: Omit<UpstreamInput, 'models'> & { models?: UpstreamModel[] };
  output?: { models?: UpstreamModel[]; ownerInfo?: Record<string, unknown> };
}

/** The `data` JSON a condition made from an upstream message carries. */
export function stageDataJson(content: Pick<StageUpstreamContent, 'input' | 'output'>): string {
  return JSON.stringify({ input: content.input ?? {}, output: content.output ?? {} });
}

/** The `data` of a condition; a condition without data, or with data that is not JSON, has none. */
export function parseStageData(condition: StageCondition | undefined): StageData {
  if (!condition?.data) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(condition.data);
  } catch {
    return {};
  }
  if (!isObject(parsed)) return {};
  return {
    ...(isObject(parsed.input) ? { input: { ...parsed.input, ...withModels(parsed.input.models) } } : {}),
    ...(isObject(parsed.output) ? { output: { ...parsed.output, ...withModels(parsed.output.models) } } : {}),
  } as StageData;
}

function withModels(models: unknown): { models?: UpstreamModel[] } {
  if (!Array.isArray(models)) return {};
  return { models: models.filter((m): m is UpstreamModel => isObject(m) && typeof m.url === 'string' && m.url !== '').map((m) => ({ ...m, format: typeof m.format === 'string' ? m.format : '' })) };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

// ---- the job's status

/** The stage job status fields of the protocol (the kinds add their own: startTime, knowledgeBase...). */
export interface StageJobStatus {
  /** Bounded history; the last one is the current state. */
  conditions?: readonly StageCondition[];
  /** The current round: how many Train/Ready the job has had (a round's Train, Eval and Deploy share it). */
  round?: number;
  /** The current stage (the last condition's). */
  stage?: JobStage;
  /** The current phase of that stage: the last condition's type (Waiting, Ready, Starting, Running, Completed, Failed). */
  phase?: JobStageConditionType;
}

/** How many of the latest conditions the history keeps in full (two rounds and then some). */
export const MAX_RECENT_STAGE_CONDITIONS = 32;

export function latestStageCondition(conditions: readonly StageCondition[] | undefined): StageCondition | undefined {
  return conditions?.[conditions.length - 1];
}

/** The current round; a job written before `status.round` existed counts its Train/Ready conditions. */
export function stageRound(status: StageJobStatus | undefined): number {
  if (status?.round !== undefined) return status.round;
  return (status?.conditions ?? []).filter((c) => c.stage === 'Train' && c.type === 'Ready').length;
}

/**
 * What the current condition is, for "was this done already" marks (the LC's actions, the GM's stage workers):
 * the round, the stage and the phase. It changes with every transition the LC acts on and never repeats: a stage is
 * Ready once per round, and the Train/Waiting before round n's Ready is in round n-1.
 */
export function stageMark(status: StageJobStatus | undefined): string {
  const last = latestStageCondition(status?.conditions);
  if (!last) return 'none';
  return `${stageRound(status)}:${last.stage}/${last.type}`;
}

/** The status fields to write when `next` is appended: the bounded history, the round, the stage and the phase. */
export function appendStageCondition(status: StageJobStatus | undefined, next: StageCondition): { conditions: StageCondition[]; round: number; stage: JobStage; phase: JobStageConditionType } {
  const round = stageRound(status) + (next.stage === 'Train' && next.type === 'Ready' ? 1 : 0);
  return { conditions: boundStageConditions([...(status?.conditions ?? []), next]), round, stage: next.stage, phase: next.type };
}

/**
 * The history kept: the last MAX_RECENT_STAGE_CONDITIONS conditions and, before them, the latest condition of each
 * stage and type and the latest of each that carries models. Order is kept.
 */
export function boundStageConditions(conditions: readonly StageCondition[], recent = MAX_RECENT_STAGE_CONDITIONS): StageCondition[] {
  if (conditions.length <= recent) return [...conditions];
  const firstRecent = conditions.length - recent;
  const keep = new Set<number>();
  const seen = new Set<string>();
  for (let i = conditions.length - 1; i >= 0; i--) {
    const c = conditions[i] as StageCondition;
    const kind = `${c.stage}/${c.type}`;
    const withModels = hasModels(c) ? `${kind}+models` : undefined;
    if (i >= firstRecent) keep.add(i);
    if (!seen.has(kind)) {
      seen.add(kind);
      keep.add(i);
    }
    if (withModels !== undefined && !seen.has(withModels)) {
      seen.add(withModels);
      keep.add(i);
    }
  }
  return conditions.filter((_, i) => keep.has(i));
}

function hasModels(c: StageCondition): boolean {
  const data = parseStageData(c);
  return (data.input?.models?.length ?? 0) > 0 || (data.output?.models?.length ?? 0) > 0;
}
