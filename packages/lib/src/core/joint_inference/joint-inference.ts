/**
 * The edge side of joint inference (the original's JointInference): a little model answers every sample it finds
 * easy; a hard example mining algorithm picks the hard ones, which go to the big model service in the cloud.
 *
 * MINING_MODE decides what the mining sees:
 * - `inference-then-mining` (default): the little model runs first and the mining judges its result;
 * - `mining-then-inference`: the mining judges the raw input and a hard one goes to the cloud only (routing).
 *
 * Every sample counts once in the LC report: an easy one as an edge inference, a hard one as a collaboration
 * (the original counted a hard example twice). A hard example whose cloud call fails is still counted as sent,
 * as in the original, and answered with the edge result; the failure is counted in `stats.cloudFailures` and
 * logged (./cloud-failure-log.ts). In `mining-then-inference` mode the little model then runs as the fallback
 * (the original had no answer at all for that case).
 */
import type { HardExampleMining } from '../../algorithms/hard_example_mining/index.js';
import { resolveHardExampleMining } from '../../algorithms/hard_example_mining/index.js';
import { BaseConfig, type AlgorithmSpec, type Env, type MiningMode } from '../../common/config.js';
import { LCClient } from '../../reporter/lc-client.js';
import { LCReporter } from '../../reporter/lc-reporter.js';
import type { WorkerIdentity } from '../../reporter/message.js';
import type { Estimator, Tensor } from '../estimator.js';
import { BigModelClient, CloudInferenceError, type CloudPredictor, type WireFormat, type WireFormatChoice } from './big-model-client.js';
import { CloudFailureLog } from './cloud-failure-log.js';
import { parseEndpoints, ReplicaSpreader } from './replica-spreader.js';
import { jointInferenceRecorder, type JointInferenceRecorder } from '../../metrics/recorders.js';
import { stderrLog, type LogLine } from './log.js';
import { tensorToNested } from './nested-list.js';
import { DEFAULT_JOB_NAME } from './protocol.js';
import { WORKER_ENV } from '@sedna/api/contracts';

/** `[isHardExample, result, edgeResult, cloudResult]`, the original's return value (None is null). */
export type JointInferenceResult = readonly [isHardExample: boolean, result: Tensor, edgeResult: Tensor | null, cloudResult: Tensor | null];

/** Who gave the final answer: the edge (an easy sample), the cloud, or the edge because the cloud failed. */
export type AnsweredBy = 'edge' | 'cloud' | 'edge-fallback';

export interface JointInferenceOutcome {
  isHardExample: boolean;
  result: Tensor;
  /** The little model's output; null when it did not run (a hard example in mining-then-inference mode). */
  edgeResult: Tensor | null;
  /** The big model's output; null when the sample was easy or the cloud failed. */
  cloudResult: Tensor | null;
  answeredBy: AnsweredBy;
  /** Why the cloud failed, when answeredBy is edge-fallback. */
  cloudError?: Error;
}

export interface JointInferenceStats {
  /** Samples answered. */
  inferences: number;
  /** Samples found hard (sent, or meant to be sent, to the cloud). */
  hardExamples: number;
  /** Hard examples the cloud answered. */
  cloudAnswers: number;
  /** Hard examples whose cloud call failed (answered on the edge). */
  cloudFailures: number;
  /** The last failure's reason. */
  lastCloudFailure: string | undefined;
}

export interface JointInferenceOptions {
  /** The little model. */
  estimator: Estimator;
  /**
   * The mining: an instance, or a method dict `{method, param}` looked up in the ClassFactory. Default: HEM_NAME and
   * HEM_PARAMETERS. null means none: nothing is hard (not allowed in mining-then-inference mode).
   */
  hardExampleMining?: HardExampleMining | AlgorithmSpec | null;
  /** Where the settings are read when not given (default process.env). */
  env?: Env;
  /** Default MINING_MODE, else inference-then-mining. */
  miningMode?: MiningMode;
  /** The model to load (default MODEL_URL); false when the estimator already holds its model. */
  modelUrl?: string | false;
  /** The cloud (default: a BigModelClient for BIG_MODEL_IP:BIG_MODEL_PORT and JOB_NAME). */
  cloud?: CloudPredictor;
  /**
   * Form of the default client's requests: default BIG_MODEL_WIRE, else auto (the service's GET /{job} says whether
   * it takes binary tensors); json talks to the original Python service.
   */
  cloudFormat?: WireFormatChoice;
  /** Time limit of one cloud call of the default client (default 10 s). */
  cloudTimeoutMs?: number;
  /**
   * What the mining judges, made from the little model's output (inference-then-mining) or the input
   * (mining-then-inference), both with a batch axis of 1. Default: the sample without its batch axis, a list of
   * numbers (class probabilities for CrossEntropy) or nested lists (boxes for IBT and Threshold).
   */
  hemInput?: (tensor: Tensor) => unknown;
  /** The LC reporter (default: one reporting to LC_SERVER every LC_PERIOD seconds); false for none. */
  reporter?: LCReporter | false;
  log?: LogLine;
}

/** Per call: the form of this sample's cloud request, overriding the client's (binary, or json: the original's). */
export interface InferOptions {
  cloudFormat?: WireFormat;
}

/** Where an edge worker stands: what it was configured with, for logs. */
export interface JointInferenceSettings {
  jobName: string;
  miningMode: MiningMode;
  /** The mining's registry name, or null for none. */
  hardExampleMining: string | null;
  cloudEndpoint: string;
  /** The LC reports go to, or null when not reporting. */
  lcServer: string | null;
}

/** The mining's default input: one sample without its batch axis. */
export function sampleOf(tensor: Tensor): unknown {
  if (tensor.shape.length === 1) return tensor.data;
  if (tensor.shape.length === 2) return tensor.data.subarray(0, tensor.shape[1]);
  return tensorToNested(tensor)[0];
}

export class JointInference {
  private readonly counts = { inferences: 0, hardExamples: 0, cloudAnswers: 0, cloudFailures: 0 };
  private recorder: JointInferenceRecorder | undefined;
  /** The worker's metrics (made on the first sample, when the job's name is known). */
  private get metrics(): JointInferenceRecorder {
    return (this.recorder ??= jointInferenceRecorder({ namespace: process.env[WORKER_ENV.NAMESPACE] ?? 'default', name: this.settings.jobName }));
  }
  private lastCloudFailure: string | undefined;
  private readonly failureLog: CloudFailureLog;

  private constructor(
    private readonly estimator: Estimator,
    private readonly hem: HardExampleMining | null,
    private readonly cloud: CloudPredictor,
    private readonly reporter: LCReporter | undefined,
    private readonly hemInput: (tensor: Tensor) => unknown,
    readonly settings: JointInferenceSettings,
    private readonly log: LogLine,
  ) {
    this.failureLog = new CloudFailureLog(log);
  }

  /** Loads the little model, connects nothing yet (the first hard example does) and starts the LC reporter. */
  static async create(options: JointInferenceOptions): Promise<JointInference> {
    const env = options.env ?? process.env;
    const config = new BaseConfig(env);
    const log = options.log ?? stderrLog('joint-inference');
    const jobName = config.jobName || DEFAULT_JOB_NAME;
    const miningMode = options.miningMode ?? config.miningMode;
    if (miningMode !== 'inference-then-mining' && miningMode !== 'mining-then-inference') {
      throw new Error(`mining mode must be inference-then-mining or mining-then-inference, got ${JSON.stringify(miningMode)}`);
    }
    const hem = resolveHardExampleMining(options.hardExampleMining, env);
    if (hem === null && miningMode === 'mining-then-inference') {
      throw new Error('MINING_MODE=mining-then-inference needs a hard example mining algorithm (HEM_NAME) to route samples');
    }
    const modelUrl = options.modelUrl ?? config.modelUrl;
    if (modelUrl === undefined) {
      throw new Error('MODEL_URL is not set: joint inference needs the little model to load (or modelUrl: false for an estimator that already holds its model)');
    }
    if (modelUrl !== false) await options.estimator.load(modelUrl);

    const clientOptions = {
      jobName,
      format: options.cloudFormat ?? config.bigModelWire,
      ...(options.cloudTimeoutMs !== undefined ? { timeoutMs: options.cloudTimeoutMs } : {}),
    };
    // Several replicas (an autoscaled cloud worker): spread over them; else the one service.
    const replicas = config.bigModelEndpoints === undefined ? [] : parseEndpoints(config.bigModelEndpoints);
    const cloud =
      options.cloud ??
      (replicas.length > 1
        ? ReplicaSpreader.forEndpoints(replicas, clientOptions)
        : new BigModelClient({
            // The original defaulted to this host's address; here that is the loopback (no other network is assumed).
            host: replicas[0]?.host ?? config.bigModelIp ?? '127.0.0.1',
            port: replicas[0]?.port ?? config.bigModelPort,
            ...clientOptions,
          }));
    let reporter: LCReporter | undefined;
    if (options.reporter !== false) {
      reporter = options.reporter ?? defaultReporter(config, jobName, log);
      reporter.start();
    }
    const settings: JointInferenceSettings = {
      jobName,
      miningMode,
      hardExampleMining: hem?.name ?? null,
      cloudEndpoint: cloud.endpoint,
      lcServer: reporter === undefined ? null : options.reporter === undefined ? config.lcServer : '(given reporter)',
    };
    if (hem === null) log('no hard example mining (HEM_NAME is unset): every sample is answered on the edge');
    return new JointInference(options.estimator, hem, cloud, reporter, options.hemInput ?? sampleOf, settings, log);
  }

  get stats(): JointInferenceStats {
    return { ...this.counts, lastCloudFailure: this.lastCloudFailure };
  }

  /** One sample ([1, ...sample]): `[isHardExample, result, edgeResult, cloudResult]`, as the original. */
  async inference(data: Tensor, options: InferOptions = {}): Promise<JointInferenceResult> {
    const outcome = await this.infer(data, options);
    return [outcome.isHardExample, outcome.result, outcome.edgeResult, outcome.cloudResult];
  }

  /** One sample ([1, ...sample]), with who answered and why the cloud failed, if it did. */
  async infer(data: Tensor, options: InferOptions = {}): Promise<JointInferenceOutcome> {
    if (data.shape.length < 2 || data.shape[0] !== 1) {
      throw new RangeError(`joint inference takes one sample at a time, with a batch axis of 1: got shape [${data.shape.join(', ')}]`);
    }
    return this.settings.miningMode === 'inference-then-mining' ? this.inferThenMine(data, options) : this.mineThenInfer(data, options);
  }

  /** Sends the counters to the LC now (for example when a stream ends); resolves true when the LC accepted. */
  async flushReport(): Promise<boolean> {
    return this.reporter ? this.reporter.flush() : true;
  }

  /** Stops the reporter and closes the cloud connections. */
  async close(): Promise<void> {
    await this.reporter?.stop();
    this.cloud.close?.();
  }

  private async inferThenMine(data: Tensor, options: InferOptions): Promise<JointInferenceOutcome> {
    const edgeResult = await this.metrics.edge(() => this.estimator.predict(data));
    const isHard = this.hem !== null && this.hem.isHard(this.hemInput(edgeResult));
    if (!isHard) return this.answeredOnEdge(edgeResult);
    this.countHard();
    const cloud = await this.askCloud(data, options);
    if (cloud.ok) return { isHardExample: true, result: cloud.result, edgeResult, cloudResult: cloud.result, answeredBy: 'cloud' };
    return { isHardExample: true, result: edgeResult, edgeResult, cloudResult: null, answeredBy: 'edge-fallback', cloudError: cloud.error };
  }

  private async mineThenInfer(data: Tensor, options: InferOptions): Promise<JointInferenceOutcome> {
    const hem = this.hem as HardExampleMining; // create() refuses this mode without one
    if (!hem.isHard(this.hemInput(data))) return this.answeredOnEdge(await this.metrics.edge(() => this.estimator.predict(data)));
    this.countHard();
    const cloud = await this.askCloud(data, options);
    if (cloud.ok) return { isHardExample: true, result: cloud.result, edgeResult: null, cloudResult: cloud.result, answeredBy: 'cloud' };
    const edgeResult = await this.metrics.edge(() => this.estimator.predict(data));
    return { isHardExample: true, result: edgeResult, edgeResult, cloudResult: null, answeredBy: 'edge-fallback', cloudError: cloud.error };
  }

  private answeredOnEdge(edgeResult: Tensor): JointInferenceOutcome {
    this.counts.inferences++;
    this.reporter?.updateForEdgeInference();
    return { isHardExample: false, result: edgeResult, edgeResult, cloudResult: null, answeredBy: 'edge' };
  }

  private countHard(): void {
    this.counts.inferences++;
    this.counts.hardExamples++;
    this.metrics.hard();
    this.reporter?.updateForCollaborationInference();
  }

  private async askCloud(data: Tensor, options: InferOptions): Promise<{ ok: true; result: Tensor } | { ok: false; error: Error }> {
    try {
      const result = await this.metrics.cloud(() => this.cloud.predict(data, options.cloudFormat === undefined ? {} : { format: options.cloudFormat }));
      this.counts.cloudAnswers++;
      this.failureLog.success();
      return { ok: true, result };
    } catch (err) {
      const error = err instanceof Error ? err : new Error(String(err));
      this.counts.cloudFailures++;
      this.lastCloudFailure = error instanceof CloudInferenceError ? `${error.kind}: ${error.message}` : error.message;
      this.failureLog.failure(this.lastCloudFailure);
      return { ok: false, error };
    }
  }
}

function defaultReporter(config: BaseConfig, jobName: string, log: LogLine): LCReporter {
  const identity: WorkerIdentity = {
    name: config.workerName || jobName,
    namespace: config.namespace || jobName,
    ownerName: jobName,
    ownerKind: 'jointinferenceservice',
  };
  return new LCReporter({
    client: new LCClient({ lcServer: config.lcServer }),
    identity,
    periodMs: config.lcPeriodSeconds * 1000,
    onError: (error) => log(`report to the LC failed, will retry: ${error instanceof Error ? error.message : String(error)}`),
  });
}
