/**
 * Whether a restarted aggregator resumes from its checkpoint: a pure check of the checkpoint against this run.
 */
import type { WeightTensor } from '../../estimator.js';
import type { Checkpoint } from '../checkpoint.js';
import { shapeMismatch } from '../structure.js';

export interface ThisRun {
  /** The job's uid (SEDNA_JOB_UID), when known. */
  jobUid?: string;
  jobName: string;
  workerName: string;
  /** Whether the worker was given its own name (WORKER_NAME): only then can it tell its own checkpoints. */
  namedWorker: boolean;
  algorithm: string;
  /** The model this run starts from, when it has one. */
  initial: readonly WeightTensor[] | undefined;
}

/** Why the checkpoint cannot be resumed, or undefined when it can. */
export function whyNotResume(checkpoint: Checkpoint, run: ThisRun): string | undefined {
  // A finished run is over, unless this very worker finished it and its process was restarted after the last round
  // (the pod's restart policy after a crash): its training workers got the last result and are gone, so starting
  // over would wait for them for ever.
  // Another uid: an earlier job of the same name (deleted and created again); this one starts fresh.
  const uid = run.jobUid;
  if (uid !== undefined && checkpoint.jobUid !== undefined && checkpoint.jobUid !== uid) return `it belongs to an earlier job of the same name (uid ${checkpoint.jobUid}; this job's is ${uid})`;
  if (uid !== undefined && checkpoint.jobUid === undefined && checkpoint.workerName !== run.workerName) return 'it names no job uid, and another aggregation worker wrote it';
  if (checkpoint.finished && !(run.namedWorker && checkpoint.workerName === run.workerName)) return 'it belongs to a run that finished';
  if (checkpoint.jobName !== run.jobName) return `it belongs to job "${checkpoint.jobName}"`;
  if (checkpoint.algorithm !== run.algorithm) return `it was written by ${checkpoint.algorithm}, this run uses ${run.algorithm}`;
  if (run.initial !== undefined && checkpoint.globalWeights !== undefined) {
    const problem = shapeMismatch(run.initial, checkpoint.globalWeights);
    if (problem !== undefined) return `its model differs from this one (${problem})`;
  }
  return undefined;
}
