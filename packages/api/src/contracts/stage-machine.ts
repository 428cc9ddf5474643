/**
 * The stage machine of incremental (and lifelong) learning jobs, as pure functions over the append-only condition
 * list (the latest condition is the state), so the rules can be tested without a cluster:
 *
 *   (no conditions)          -> Train/Waiting
 *   X/Waiting                -> (the LC appends X/Ready when its trigger fires)
 *   Train|Eval/Ready         -> stage worker created -> X/Starting
 *   Deploy/Ready             -> hot update: Deploy/Starting; else the inference worker is restarted -> Deploy/Completed
 *   X/Starting|Running       -> worker Running: X/Running; Succeeded: X/Completed; Failed: X/Failed
 *   X/Completed              -> next(X)/Waiting  (Train -> Eval -> Deploy -> Train, forever)
 *   X/Failed                 -> Train/Waiting
 *
 * The GM runs it on the job's status (stage-protocol.ts keeps the history bounded); the LC's tests play the GM with
 * the same functions.
 */
import type { JobStage, JobStageConditionType, StageCondition } from '../sedna/common.js';
import { rfc3339 } from '../runtime/time.js';
import { CONDITION_OF_STATUS, NEXT_STAGE, STAGE_OF_PHASE } from './stage-protocol.js';


/** A new stage condition, now. */
export function stageCondition(stage: JobStage, type: JobStageConditionType, reason: string, message: string, data?: string): StageCondition {
  const t = rfc3339();
  return { type, status: 'True', stage, reason, message, lastHeartbeatTime: t, lastTransitionTime: t, ...(data !== undefined ? { data } : {}) };
}

/** The transition that needs no worker: the start, a completed or failed stage. */
export function automaticTransition(current: StageCondition | undefined): StageCondition | undefined {
  if (!current) return stageCondition('Train', 'Waiting', 'JobStarted', 'waiting for the train trigger');
  if (current.type === 'Completed') return stageCondition(NEXT_STAGE[current.stage], 'Waiting', 'StageCompleted', `${current.stage} completed; waiting for ${NEXT_STAGE[current.stage]}`);
  if (current.type === 'Failed') return stageCondition('Train', 'Waiting', 'StageFailed', `${current.stage} failed (${current.message ?? 'no reason given'}); back to Train`);
  return undefined;
}

export type WorkerState = 'none' | 'Pending' | 'Running' | 'Succeeded' | 'Failed';

/** What a stage worker's state means for a stage in Starting or Running. */
export function workerTransition(current: StageCondition, worker: WorkerState, failureReason = 'the worker failed'): StageCondition | undefined {
  if (current.type !== 'Starting' && current.type !== 'Running') return undefined;
  if (worker === 'Running' && current.type === 'Starting') return stageCondition(current.stage, 'Running', 'WorkerRunning', `the ${current.stage.toLowerCase()} worker is running`, current.data);
  if (worker === 'Failed') return stageCondition(current.stage, 'Failed', 'WorkerFailed', failureReason, current.data);
  return undefined;
}

/** The condition a local controller's report appends, or why it is ignored. */
export function reportedCondition(current: StageCondition | undefined, phase: string, status: string, data: string): StageCondition | string {
  const stage = (STAGE_OF_PHASE as Record<string, JobStage>)[phase.toLowerCase()];
  if (!stage) return `unknown phase ${JSON.stringify(phase)} (train, eval or deploy)`;
  const type = (CONDITION_OF_STATUS as Record<string, JobStageConditionType>)[status.toLowerCase()];
  if (!type) return `unknown status ${JSON.stringify(status)} (ready, completed, failed or waiting)`;
  if (!current) return 'the job has not started';
  if (current.stage !== stage) return `the job is in stage ${current.stage}, not ${stage}`;
  // Ready only answers Waiting; Completed and Failed only end a stage that has started.
  if (type === 'Ready' && current.type !== 'Waiting') return `${stage} is ${current.type}, not Waiting`;
  // Completed ends a stage that has started (or a Deploy the LC decided against); Failed may also come while the LC
  // prepares a stage (Waiting), e.g. an eval with no trained model to evaluate.
  if (type === 'Completed' && !(current.type === 'Starting' || current.type === 'Running' || (stage === 'Deploy' && current.type === 'Waiting'))) {
    return `${stage} is ${current.type}; nothing to end`;
  }
  if (type === 'Failed' && !(current.type === 'Waiting' || current.type === 'Starting' || current.type === 'Running')) {
    return `${stage} is ${current.type}; nothing to end`;
  }
  return stageCondition(stage, type, 'ReportedByLC', 'reported by lc', data);
}
