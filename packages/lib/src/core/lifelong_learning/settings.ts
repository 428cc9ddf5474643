/**
 * What LifelongLearning reads from its worker's environment (sedna-reference §3.10-3.11 and the original's
 * Context.get_parameters names; a name is looked up as written, then upper-cased).
 */
import { BaseConfig, Context, type Env } from '../../common/config.js';
import { parseBoundedNumber } from '../../common/parameters.js';
import { WORKER_ENV } from '@sedna/api/contracts';

export interface LifelongSettings {
  /** KB_SERVER: the knowledge base server; without it artifacts stay in the output folder only. */
  kbServer: string | undefined;
  /** OUTPUT_URL (default /tmp, as the original): where this round writes models, samples and the index. */
  outputUrl: string;
  /** HAS_COMPLETED_INITIAL_TRAINING: train() then runs an update round. */
  hasCompletedInitialTraining: boolean;
  /** CLOUD_KB_INDEX: the knowledge base index an update round starts from. */
  cloudKbIndex: string | undefined;
  /** MODEL_URLS: the index evaluation and inference read (the first URL). */
  modelUrls: readonly string[];
  /** MIN_TRAIN_SAMPLE (default 10): a task group needs this many samples for its own model. */
  minTrainSamples: number;
  /** metrics (default accuracy_score), metric_param: the evaluation's metrics. */
  metrics: string | undefined;
  metricParam: string | undefined;
  /** operator (default ">") and model_threshold (default 0.1): which evaluated models are deployed. */
  operator: string | undefined;
  modelThreshold: string | undefined;
  /** edge_output_url (default /var/lib/sedna/kb): the edge's copy of the knowledge base. */
  edgeOutputUrl: string;
  /** MODEL_POLL_PERIOD_SECONDS (default 30 for the edge knowledge base; below 1 means 30). */
  pollPeriodSeconds: number;
  /** UT_SAVED_URL, else unseen_save_url (default <DATA_PATH_PREFIX>/unseen_samples): where unseen samples go. */
  unseenSaveUrl: string;
}

export const DEFAULT_EDGE_KB_DIR = '/var/lib/sedna/kb';
export const DEFAULT_EDGE_POLL_PERIOD_SECONDS = 30;

export function lifelongSettingsFromEnv(env: Env = process.env): LifelongSettings {
  const config = new BaseConfig(env);
  const context = new Context(env);
  const minTrain = context.getParameters(WORKER_ENV.MIN_TRAIN_SAMPLE);
  const poll = context.getParameters(WORKER_ENV.MODEL_POLL_PERIOD_SECONDS);
  const pollSeconds = poll === undefined ? DEFAULT_EDGE_POLL_PERIOD_SECONDS : parseBoundedNumber(poll, 'environment variable MODEL_POLL_PERIOD_SECONDS', {});
  return {
    kbServer: config.kbServer,
    outputUrl: config.outputUrl ?? '/tmp',
    hasCompletedInitialTraining: config.hasCompletedInitialTraining,
    cloudKbIndex: config.cloudKbIndex,
    modelUrls: config.modelUrls,
    minTrainSamples: minTrain === undefined ? 10 : parseBoundedNumber(minTrain, 'environment variable MIN_TRAIN_SAMPLE', { min: 1, integer: true }),
    metrics: context.getParameters('metrics'),
    metricParam: context.getParameters('metric_param'),
    operator: context.getParameters('operator'),
    modelThreshold: context.getParameters('model_threshold'),
    edgeOutputUrl: context.getParameters('edge_output_url', DEFAULT_EDGE_KB_DIR),
    pollPeriodSeconds: pollSeconds < 1 ? DEFAULT_EDGE_POLL_PERIOD_SECONDS : pollSeconds,
    unseenSaveUrl: context.getParameters(WORKER_ENV.UT_SAVED_URL) ?? context.getParameters('unseen_save_url', `${config.dataPathPrefix.replace(/\/+$/, '')}/unseen_samples`),
  };
}
