/**
 * The aggregator's state after each round, so that a restarted aggregation worker resumes where it stopped instead
 * of starting over (the original kept everything in memory). One object at `checkpoint_url`, in the transmitter's
 * binary weights format: the global model's tensors (`global/<i>`), the server optimizer's global model and moments
 * (`optimizer/...`), and the round count, history and optimizer step count in the meta.
 */
import { rename, rm } from 'node:fs/promises';
import type { ServerOptimizerState } from '../../algorithms/aggregation/server-optimizers.js';
import { exists, readBytes, writeBytes, type Storage } from '../../storage/storage.js';
import { parseStorageUrl } from '../../storage/url.js';
import type { WeightTensor } from '../estimator.js';
import { decodeWeightsMessage, encodeWeightsMessage, type JsonValue } from '../../transmitter/weights-codec.js';
import type { RoundRecord } from './protocol.js';

const FORMAT = 'sedna-fl-checkpoint';
const VERSION = 1;

export interface Checkpoint {
  readonly jobName: string;
  /** The uid of the job that wrote it (SEDNA_JOB_UID): a job created again under the same name has another. */
  readonly jobUid?: string;
  /** The aggregation strategy's name; a checkpoint of another strategy is not resumed. */
  readonly algorithm: string;
  readonly completedRounds: number;
  /** True once the last round was aggregated and the model saved: a new run starts over. */
  readonly finished: boolean;
  /**
   * The aggregation worker that wrote it (WORKER_NAME): the GM names every aggregator pod anew, and the name stays
   * across restarts of the pod's process, so it tells such a restart from a later run. Absent in older checkpoints.
   */
  readonly workerName?: string;
  readonly globalWeights: readonly WeightTensor[] | undefined;
  readonly optimizer: ServerOptimizerState | undefined;
  readonly history: readonly RoundRecord[];
}

interface CheckpointMeta {
  format: string;
  version: number;
  jobName: string;
  jobUid?: string;
  algorithm: string;
  completedRounds: number;
  finished: boolean;
  workerName?: string;
  globalCount: number;
  optimizer: { steps: number; globalCount: number; moments: string[] } | null;
  history: RoundRecord[];
}

export function encodeCheckpoint(checkpoint: Checkpoint): Uint8Array {
  const tensors: WeightTensor[] = [];
  const global = checkpoint.globalWeights ?? [];
  global.forEach((tensor, index) => tensors.push({ name: `global/${index}/${tensor.name}`, shape: tensor.shape, data: tensor.data }));
  const optimizer = checkpoint.optimizer;
  const optimizerGlobal = optimizer?.globalWeights ?? [];
  optimizerGlobal.forEach((tensor, index) => tensors.push({ name: `optimizer-global/${index}/${tensor.name}`, shape: tensor.shape, data: tensor.data }));
  const momentKeys = Object.keys(optimizer?.moments ?? {});
  for (const key of momentKeys) {
    const data = optimizer!.moments[key]!;
    tensors.push({ name: `optimizer/${key}`, shape: [data.length], data });
  }
  const meta: CheckpointMeta = {
    format: FORMAT,
    version: VERSION,
    jobName: checkpoint.jobName,
    ...(checkpoint.jobUid === undefined ? {} : { jobUid: checkpoint.jobUid }),
    algorithm: checkpoint.algorithm,
    completedRounds: checkpoint.completedRounds,
    finished: checkpoint.finished,
    ...(checkpoint.workerName === undefined ? {} : { workerName: checkpoint.workerName }),
    globalCount: global.length,
    optimizer: optimizer === undefined ? null : { steps: optimizer.steps, globalCount: optimizerGlobal.length, moments: momentKeys },
    history: [...checkpoint.history],
  };
  return encodeWeightsMessage({ weights: tensors, meta: meta as unknown as { [key: string]: JsonValue } });
}

export function decodeCheckpoint(bytes: Uint8Array, source: string): Checkpoint {
  const { weights, meta } = decodeWeightsMessage(bytes);
  const m = meta as unknown as Partial<CheckpointMeta> | undefined;
  if (m?.format !== FORMAT) throw new Error(`${source} is not a federated learning checkpoint (format ${JSON.stringify(m?.format)})`);
  if (m.version !== VERSION) throw new Error(`${source}: checkpoint version ${m.version} is not supported (expected ${VERSION})`);
  const globalCount = m.globalCount ?? 0;
  const unprefix = (tensor: WeightTensor): WeightTensor => ({ ...tensor, name: tensor.name.split('/').slice(2).join('/') });
  const global = weights.slice(0, globalCount).map(unprefix);
  let optimizer: ServerOptimizerState | undefined;
  if (m.optimizer) {
    const optimizerGlobal = weights.slice(globalCount, globalCount + m.optimizer.globalCount).map(unprefix);
    const moments: Record<string, Float32Array> = {};
    const momentTensors = weights.slice(globalCount + m.optimizer.globalCount);
    m.optimizer.moments.forEach((key, index) => {
      const tensor = momentTensors[index];
      if (tensor === undefined) throw new Error(`${source}: the optimizer moment "${key}" is missing`);
      moments[key] = tensor.data;
    });
    optimizer = { steps: m.optimizer.steps, globalWeights: m.optimizer.globalCount > 0 ? optimizerGlobal : undefined, moments };
  }
  return {
    jobName: m.jobName ?? '',
    ...(typeof m.jobUid === 'string' ? { jobUid: m.jobUid } : {}),
    algorithm: m.algorithm ?? '',
    completedRounds: m.completedRounds ?? 0,
    finished: m.finished ?? false,
    ...(typeof m.workerName === 'string' ? { workerName: m.workerName } : {}),
    globalWeights: globalCount > 0 ? global : undefined,
    optimizer,
    history: m.history ?? [],
  };
}

/** Writes the checkpoint; a local file is replaced atomically (written aside, then renamed over). */
export async function saveCheckpoint(url: string, checkpoint: Checkpoint, storage?: Storage): Promise<void> {
  const bytes = encodeCheckpoint(checkpoint);
  const location = parseStorageUrl(url);
  if (location.kind !== 'local') {
    await (storage ? storage.writeBytes(url, bytes) : writeBytes(url, bytes));
    return;
  }
  const aside = `${location.path}.${process.pid}.tmp`;
  try {
    await writeBytes(aside, bytes);
    await rename(aside, location.path);
  } catch (error) {
    await rm(aside, { force: true });
    throw error;
  }
}

/** The checkpoint at `url`, or undefined when there is none yet. */
export async function loadCheckpoint(url: string, storage?: Storage): Promise<Checkpoint | undefined> {
  if (!(await (storage ? storage.exists(url) : exists(url)))) return undefined;
  return decodeCheckpoint(await (storage ? storage.readBytes(url) : readBytes(url)), url);
}
