/**
 * What the paradigms call on their hot paths: small recorders over the catalogue's metrics, with the labels bound
 * once (a bound child costs an increment, no label hashing per sample).
 */
import {
  bigModelServiceMetrics,
  federatedLearningMetrics,
  incrementalLearningWorkerMetrics,
  jointInferenceMetrics,
  lifelongLearningWorkerMetrics,
  type Owner,
} from '@sedna/metrics';
import { ownerFromEnv, workerRegistry } from './worker-metrics.js';

const secondsSince = (started: number): number => (performance.now() - started) / 1000;

export interface JointInferenceRecorder {
  /** Times one inference of the little model. */
  edge<T>(run: () => Promise<T>): Promise<T>;
  hard(): void;
  /** Times one cloud call; counts it as ok or failed. */
  cloud<T>(run: () => Promise<T>): Promise<T>;
}

export function jointInferenceRecorder(owner: Owner = ownerFromEnv()): JointInferenceRecorder {
  const m = jointInferenceMetrics(workerRegistry());
  const edgeCount = m.edgeInferences.labels(owner);
  const edgeLatency = m.edgeLatency.labels(owner);
  const hard = m.hardSamples.labels(owner);
  const cloudOk = m.cloudInferences.labels({ ...owner, result: 'ok' });
  const cloudFailed = m.cloudInferences.labels({ ...owner, result: 'failed' });
  const cloudLatency = m.cloudLatency.labels(owner);
  return {
    edge: async (run) => {
      const started = performance.now();
      const out = await run();
      edgeLatency.observe(secondsSince(started));
      edgeCount.inc();
      return out;
    },
    hard: () => hard.inc(),
    cloud: async (run) => {
      const started = performance.now();
      try {
        const out = await run();
        cloudOk.inc();
        return out;
      } catch (err) {
        cloudFailed.inc();
        throw err;
      } finally {
        cloudLatency.observe(secondsSince(started));
      }
    },
  };
}

/** Times one predict request of the big model service; counts it as ok or failed. */
export function bigModelServiceRecorder(owner: Owner = ownerFromEnv()): <T>(run: () => Promise<T>) => Promise<T> {
  const m = bigModelServiceMetrics(workerRegistry());
  const ok = m.requests.labels({ ...owner, result: 'ok' });
  const failed = m.requests.labels({ ...owner, result: 'failed' });
  const duration = m.duration.labels(owner);
  return async (run) => {
    const started = performance.now();
    try {
      const out = await run();
      ok.inc();
      return out;
    } catch (err) {
      failed.inc();
      throw err;
    } finally {
      duration.observe(secondsSince(started));
    }
  };
}

export interface IncrementalLearningRecorder {
  /** A batch predicted by the model of `version`: counts restart when the version changes (a new iteration). */
  inference(version: string | undefined, samples: number, hard: number): void;
  /** A progress callback for training: train loss and remaining time of the train stage. */
  trainProgress(epochs: number): (p: { epoch: number; batch: number; batches: number; loss: number }) => void;
  /** Eval progress: `done` of `total` models evaluated since `started`. */
  evalProgress(started: number, done: number, total: number): void;
  /** The stage ended: no time remains. */
  stageEnded(stage: 'train' | 'eval'): void;
}

export function incrementalLearningRecorder(owner: Owner = ownerFromEnv()): IncrementalLearningRecorder {
  const m = incrementalLearningWorkerMetrics(workerRegistry());
  const inferences = m.inferences.labels(owner);
  const hardSamples = m.hardSamples.labels(owner);
  const iterationInferences = m.iterationInferences.labels(owner);
  const iterationHard = m.iterationHardSamples.labels(owner);
  let servingVersion: string | undefined;
  let seen = false;
  const remaining = (stage: 'train' | 'eval', started: number, fraction: number) => {
    if (fraction > 0) m.remaining.set({ ...owner, stage }, Math.max(0, secondsSince(started) * (1 - fraction) / fraction));
  };
  return {
    inference: (version, samples, hard) => {
      if (!seen || version !== servingVersion) {
        servingVersion = version;
        seen = true;
        iterationInferences.set(0);
        iterationHard.set(0);
      }
      inferences.inc(samples);
      hardSamples.inc(hard);
      iterationInferences.inc(samples);
      iterationHard.inc(hard);
    },
    trainProgress: (epochs) => {
      const started = performance.now();
      return (p) => {
        m.trainLoss.set(owner, p.loss);
        remaining('train', started, ((p.epoch - 1) * p.batches + p.batch) / (Math.max(1, epochs) * p.batches));
      };
    },
    evalProgress: (started, done, total) => remaining('eval', started, total > 0 ? done / total : 0),
    stageEnded: (stage) => m.remaining.set({ ...owner, stage }, 0),
  };
}

export interface FederatedRoundFigures {
  samples: Readonly<Record<string, number>>;
  accepted: readonly string[];
  aggregated: boolean;
  bytesReceived: number;
  bytesSent: number;
  durationMs: number;
  trainLoss?: number;
}

export function federatedLearningRecorder(owner: Owner = ownerFromEnv()): { round(number: number, figures: FederatedRoundFigures): void } {
  const m = federatedLearningMetrics(workerRegistry());
  return {
    round: (number, f) => {
      m.round.set(owner, number);
      m.trainNodes.set(owner, f.accepted.length);
      m.nodeSamples.reset();
      for (const [worker, n] of Object.entries(f.samples)) m.nodeSamples.set({ ...owner, worker: m.workerLabel.value(worker) }, n);
      if (f.aggregated) m.aggregations.inc(owner);
      m.roundDuration.observe(owner, f.durationMs / 1000);
      m.roundBytes.inc({ ...owner, direction: 'received' }, f.bytesReceived);
      m.roundBytes.inc({ ...owner, direction: 'sent' }, f.bytesSent);
      if (f.trainLoss !== undefined) m.trainLoss.set(owner, f.trainLoss);
    },
  };
}

export interface LifelongLearningRecorder {
  inference(samples: number, unseen: number): void;
  knowledge(tasks: { name: string }[]): void;
}

export function lifelongLearningRecorder(owner: Owner = ownerFromEnv()): LifelongLearningRecorder {
  const m = lifelongLearningWorkerMetrics(workerRegistry());
  const inferences = m.inferences.labels(owner);
  const unseen = m.unseenSamples.labels(owner);
  return {
    inference: (samples, unseenCount) => {
      inferences.inc(samples);
      unseen.inc(unseenCount);
    },
    // Per-task metrics come from the job's train and eval reports: the GM serves them (sedna_lifelong_learning_task_metric).
    knowledge: (tasks) => m.knownTasks.set(owner, tasks.length),
  };
}
