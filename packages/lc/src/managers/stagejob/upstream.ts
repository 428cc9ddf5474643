/**
 * What the stage job managers (incremental and lifelong learning) send upstream (kind `incrementallearningjob` or
 * `lifelonglearningjob`, operation status): the original's UpstreamMessage content. The GM appends one stage
 * condition per message, with stage from `phase`, type from `status`, and `data` = `{input, output}` (reference
 * §3.2, §3.7).
 */

export type StagePhase = 'train' | 'eval' | 'deploy';
export type StageStatus = 'ready' | 'completed' | 'failed' | 'waiting';

/** A model reference as the original's runtime.Model serialises it. */
export interface UpstreamModel {
  format: string;
  url: string;
  device_soc_versions?: string[];
  metrics?: Record<string, unknown>;
  [field: string]: unknown;
}

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

export type SendUpstream = (namespace: string, name: string, content: StageUpstreamContent) => void;
