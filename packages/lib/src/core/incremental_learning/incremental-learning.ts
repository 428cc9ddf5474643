/**
 * The worker side of incremental learning (the original's `IncrementalLearning`, reference §4.1, lib-api part B
 * §3): one class for the three programs of a job.
 *
 * - train worker: `train(data)` starts from BASE_MODEL_URL, trains, saves to MODEL_URL (the round's folder, plus
 *   any extra formats such as ONNX) and reports `train completed` with one result per saved model;
 * - eval worker: `evaluate(data)` evaluates every model of MODEL_URLS (`;`-separated, in order: the new model,
 *   then the one to compare with) and reports `eval completed` with one result per model;
 * - inference worker: `inference(x)` predicts with the deployed model (MODEL_URL), marks hard examples with the
 *   job's mining (HEM_NAME, HEM_PARAMETERS) and saves them to HE_SAVED_URL; with MODEL_HOT_UPDATE=true it reloads
 *   the model the LC publishes (lib/hotupdate) and reports `deploy completed`.
 *
 * Reports go to LC_SERVER as `ownerKind: incrementallearningjob`, owner JOB_NAME (default "sedna", as JobBase).
 * A train or eval that throws reports `failed` before the error propagates (the original let the pod fail and
 * left the GM to notice).
 */
import { mkdir } from 'node:fs/promises';
import type { HardExampleMining } from '../../algorithms/hard_example_mining/index.js';
import { resolveHardExampleMining } from '../../algorithms/hard_example_mining/index.js';
import { isRemoteUrl, localPathOf } from '../../backend/model-location.js';
import { BaseConfig, type AlgorithmSpec, type Env } from '../../common/config.js';
import { hotUpdateSettingsFromEnv, type HotUpdateSettings } from '../../hotupdate/config.js';
import { ModelHotUpdater, type HotUpdateEvent } from '../../hotupdate/model-hot-updater.js';
import { SwappableModel } from '../../hotupdate/swappable-model.js';
import { LCClient } from '../../reporter/lc-client.js';
import { buildWorkerMessage, type ModelResult, type WorkerIdentity, type WorkerReportKind, type WorkerReportStatus } from '../../reporter/message.js';
import type { Estimator, Labels, Metrics, Tensor, TrainOptions } from '../estimator.js';
import { HardExampleWriter, type HardExampleStore } from './hard-examples.js';
import { modelResult, type ReportedMetrics } from './model-info.js';
import { incrementalLearningRecorder, type IncrementalLearningRecorder } from '../../metrics/recorders.js';
import { WORKER_ENV } from '@sedna/api/contracts';

export const INCREMENTAL_OWNER_KIND = 'incrementallearningjob';

/** Where the class writes its log lines. */
type LogLine = (line: string) => void;

export interface LabelledData {
  x: Tensor;
  y: Labels;
}

export interface IncrementalLearningOptions<E extends Estimator = Estimator> {
  /** The model: trained by train(), loaded with each model by evaluate(), serving in inference(). */
  estimator: E;
  /**
   * A fresh, empty estimator of the same kind: needed for hot update (a new model is loaded into a new estimator
   * and swapped in while the old one serves).
   */
  createEstimator?: () => E | Promise<E>;
  /** The mining: an instance, a method dict, or null for none. Default: HEM_NAME and HEM_PARAMETERS. */
  hardExampleMining?: HardExampleMining | AlgorithmSpec | null;
  /** Where hard examples go: a store, or false for none. Default: a HardExampleWriter on HE_SAVED_URL when set. */
  hardExamples?: HardExampleStore | false;
  /** What the mining judges for one sample, from the model's output `[1, classes]`. Default: class probabilities. */
  hemInput?: (output: Tensor) => unknown;
  /** The LC client for reports, or false for none. Default: LC_SERVER. */
  lc?: LCClient | false;
  /** Default process.env. */
  env?: Env;
  /** Hot update events (a new model served, a load that failed...). Default: logged. */
  onHotUpdate?: (event: HotUpdateEvent) => void;
  log?: LogLine;
}

export interface IncrementalTrainOptions<E extends Estimator = Estimator> {
  trainOptions?: TrainOptions;
  /** Data to report validation metrics on (`val_<metric>`). */
  validation?: LabelledData;
  /** The model to start from (default BASE_MODEL_URL); false to train the estimator as it is. */
  baseModelUrl?: string | false;
  /** Where to save (default MODEL_URL): the round's output folder. */
  modelUrl?: string;
  /** Format name of the saved model (default from its url, see modelFormatOf). */
  format?: string;
  /** More formats to save the trained model in, e.g. `onnxSaver()`; each returns the url written. */
  alsoSave?: readonly ModelSaver<E>[];
}

/** Saves the trained estimator in another format into the round's folder; returns the url written. */
export type ModelSaver<E extends Estimator = Estimator> = (estimator: E, modelDir: string) => Promise<string>;

export interface IncrementalTrainResult {
  metrics: Metrics;
  results: ModelResult[];
}

export interface IncrementalEvaluateOptions<E extends Estimator = Estimator> {
  /** The models to evaluate, in order (default MODEL_URLS, else MODEL_URL). */
  modelUrls?: readonly string[];
  /** The estimator that loads a model (default the job's estimator, reloaded for each). */
  estimatorFor?: (url: string) => E | Promise<E>;
  /** The metrics of one model (default `estimator.evaluate(x, y)`); see evaluateClassifier for per-class lists. */
  metrics?: (estimator: E, data: LabelledData) => Promise<ReportedMetrics>;
}

export interface IncrementalInferenceOptions {
  /** Turns the model's output into the result (the original's post_process). */
  postProcess?: (output: Tensor) => unknown;
  /** Names of the samples (frame numbers...), used for hard example files. */
  ids?: readonly string[];
  /** Save this batch's hard examples (default true); false mines without saving, e.g. for samples seen before. */
  keepHardExamples?: boolean;
}

/** The original's `(infer_res, res, is_hard_example)`, named, plus which samples of a batch were hard. */
export interface IncrementalInferenceResult {
  inferResult: Tensor;
  result: unknown;
  /** Any sample of the batch was hard. */
  isHardExample: boolean;
  hardExamples: readonly boolean[];
  /** The model version that answered (model_update_time of the hot update; undefined for the initial model). */
  modelVersion: string | undefined;
}

export class IncrementalLearning<E extends Estimator = Estimator> {
  readonly config: BaseConfig;
  readonly identity: WorkerIdentity;
  readonly hem: HardExampleMining | null;
  readonly hotUpdate: HotUpdateSettings;
  private readonly lc: LCClient | undefined;
  private readonly store: HardExampleStore | undefined;
  private readonly log: LogLine;
  private serving: SwappableModel<E> | undefined;
  private loading: Promise<SwappableModel<E>> | undefined;
  private updater: ModelHotUpdater<E> | undefined;
  private recorder: IncrementalLearningRecorder | undefined;
  /** The worker's metrics, made on first use (a train worker never serves inference, and the other way round). */
  private get metrics(): IncrementalLearningRecorder {
    return (this.recorder ??= incrementalLearningRecorder());
  }

  constructor(private readonly options: IncrementalLearningOptions<E>) {
    const env = options.env ?? process.env;
    this.config = new BaseConfig(env);
    this.log = options.log ?? ((line) => process.stderr.write(`${new Date().toISOString()} [incremental-learning] ${line}\n`));
    const jobName = this.config.jobName || this.config.serviceName;
    this.identity = { name: this.config.workerName || jobName, namespace: this.config.namespace || jobName, ownerName: jobName, ownerKind: INCREMENTAL_OWNER_KIND };
    this.lc = options.lc === false ? undefined : (options.lc ?? new LCClient({ lcServer: this.config.lcServer }));
    this.hem = resolveHardExampleMining(options.hardExampleMining, env);
    const heSavedUrl = env[WORKER_ENV.HE_SAVED_URL];
    this.store = options.hardExamples === false ? undefined : (options.hardExamples ?? (heSavedUrl ? new HardExampleWriter({ dir: heSavedUrl }) : undefined));
    this.hotUpdate = hotUpdateSettingsFromEnv(env);
    if (this.hotUpdate.enabled && !options.createEstimator) {
      throw new Error('MODEL_HOT_UPDATE is true: IncrementalLearning needs createEstimator (a fresh estimator to load each new model into)');
    }
  }

  /** Trains from the base model, saves the round's model(s) and reports `train completed` with them. */
  async train(data: LabelledData, options: IncrementalTrainOptions<E> = {}): Promise<IncrementalTrainResult> {
    return this.reporting('train', async () => {
      const estimator = this.options.estimator;
      const base = options.baseModelUrl ?? this.config.baseModelUrl;
      if (base) {
        await estimator.load(base);
        this.log(`training from base model ${base}`);
      }
      // Train loss and the remaining time come from the backends' per-batch progress (tfjs and mlp report it).
      const given = options.trainOptions ?? {};
      const progress = this.metrics.trainProgress(typeof given.epochs === 'number' ? given.epochs : 1);
      const callerBatchEnd = given['onBatchEnd'] as ((p: Parameters<typeof progress>[0]) => void) | undefined;
      const trainOptions: TrainOptions = { ...given, onBatchEnd: (p: Parameters<typeof progress>[0]) => (progress(p), callerBatchEnd?.(p)) };
      const metrics = await estimator.train(data.x, data.y, trainOptions).finally(() => this.metrics.stageEnded('train'));
      const reported: ReportedMetrics = numericMetrics(metrics);
      if (options.validation) {
        for (const [key, value] of Object.entries(await estimator.evaluate(options.validation.x, options.validation.y))) reported[`val_${key}`] = value;
      }
      const modelUrl = options.modelUrl ?? this.config.modelUrl;
      if (!modelUrl) throw new Error('MODEL_URL is not set: the train worker needs the folder to save the round\'s model in');
      if (!isRemoteUrl(modelUrl)) await mkdir(localPathOf(modelUrl), { recursive: true });
      const saved = [{ url: await estimator.save(modelUrl), format: options.format }];
      for (const saver of options.alsoSave ?? []) saved.push({ url: await saver(estimator, modelUrl), format: undefined });
      const results = saved.map((s) => modelResult(s.url, reported, this.config.dataPathPrefix, s.format));
      return { value: { metrics, results }, results };
    });
  }

  /** Evaluates each model of MODEL_URLS on `data` and reports `eval completed` with one result per model, in order. */
  async evaluate(data: LabelledData, options: IncrementalEvaluateOptions<E> = {}): Promise<ModelResult[]> {
    return this.reporting('eval', async () => {
      const urls = options.modelUrls ?? (this.config.modelUrls.length > 0 ? this.config.modelUrls : this.config.modelUrl ? [this.config.modelUrl] : []);
      if (urls.length === 0) throw new Error('MODEL_URLS (or MODEL_URL) must name the models to evaluate');
      const results: ModelResult[] = [];
      const started = performance.now();
      for (const url of urls) {
        const estimator = options.estimatorFor ? await options.estimatorFor(url) : this.options.estimator;
        await estimator.load(url);
        const metrics = options.metrics ? await options.metrics(estimator, data) : numericMetrics(await estimator.evaluate(data.x, data.y));
        results.push(modelResult(url, metrics, this.config.dataPathPrefix));
        this.log(`evaluated ${url}: ${JSON.stringify(metrics)}`);
        this.metrics.evalProgress(started, results.length, urls.length);
      }
      this.metrics.stageEnded('eval');
      return { value: results, results };
    });
  }

  /**
   * Predicts a batch with the deployed model; each sample is judged by the mining, and hard ones are saved.
   * The first call loads MODEL_URL (and starts the hot updater when MODEL_HOT_UPDATE is true).
   */
  async inference(x: Tensor, options: IncrementalInferenceOptions = {}): Promise<IncrementalInferenceResult> {
    const model = await this.servingModel();
    const version = model.version;
    const output = await model.predict(x);
    const result = options.postProcess ? options.postProcess(output) : output;
    const n = output.shape[0] ?? 0;
    const width = n === 0 ? 0 : output.data.length / n;
    const hard: boolean[] = [];
    for (let i = 0; i < n; i++) {
      const row: Tensor = { data: output.data.subarray(i * width, (i + 1) * width), shape: [1, ...output.shape.slice(1)] };
      const isHard = this.hem !== null && this.hem.isHard((this.options.hemInput ?? probabilities)(row));
      hard.push(isHard);
      if (isHard && this.store && options.keepHardExamples !== false) {
        const size = x.data.length / (x.shape[0] ?? 1);
        const id = options.ids?.[i];
        await this.store.save({ input: { data: x.data.subarray(i * size, (i + 1) * size), shape: [1, ...x.shape.slice(1)] }, output: row, ...(id !== undefined ? { id } : {}) });
      }
    }
    this.metrics.inference(version, n, hard.filter(Boolean).length);
    return { inferResult: output, result, isHardExample: hard.some(Boolean), hardExamples: hard, modelVersion: version };
  }

  /** The model version serving now (undefined before the first inference or for the initial model). */
  get servingVersion(): string | undefined {
    return this.serving?.version;
  }

  /** Checks the hot-update config now (instead of waiting for the watch or the poll). */
  async checkHotUpdate(): Promise<void> {
    await this.updater?.checkNow();
  }

  /** Stops the hot updater and releases the serving model. */
  async close(): Promise<void> {
    await this.updater?.stop();
    this.serving?.close();
  }

  private servingModel(): Promise<SwappableModel<E>> {
    this.loading ??= (async () => {
      const url = this.config.modelUrl;
      if (!url) throw new Error('MODEL_URL is not set: the inference worker needs the deployed model');
      await this.options.estimator.load(url);
      const model = new SwappableModel<E>(this.options.estimator);
      this.serving = model;
      if (this.hotUpdate.enabled) {
        this.updater = new ModelHotUpdater<E>({
          configUrl: this.hotUpdate.configUrl,
          model,
          createEstimator: this.options.createEstimator as () => E | Promise<E>,
          pollPeriodMs: this.hotUpdate.pollPeriodSeconds * 1000,
          ...(this.lc ? { lc: { client: this.lc, identity: this.identity } } : {}),
          onEvent: this.options.onHotUpdate ?? ((event) => this.log(`hot update: ${describeEvent(event)}`)),
        });
        this.updater.start();
      }
      return model;
    })();
    return this.loading;
  }

  /** Runs a train or eval step and reports completed with its results, or failed when it throws. */
  private async reporting<T>(kind: WorkerReportKind, step: () => Promise<{ value: T; results: ModelResult[] }>): Promise<T> {
    let outcome: { value: T; results: ModelResult[] };
    try {
      outcome = await step();
    } catch (error) {
      await this.report(kind, 'failed', []).catch((reportError: unknown) => this.log(`reporting the failure failed too: ${(reportError as Error).message}`));
      throw error;
    }
    await this.report(kind, 'completed', outcome.results);
    return outcome.value;
  }

  private async report(kind: WorkerReportKind, status: WorkerReportStatus, results: ModelResult[]): Promise<void> {
    if (!this.lc) return;
    await this.lc.send(this.identity.name, buildWorkerMessage(this.identity, { kind, status, results }));
  }
}

/** Metrics that are finite numbers (a report carries numbers, not NaN). */
function numericMetrics(metrics: Metrics): ReportedMetrics {
  const out: ReportedMetrics = {};
  for (const [key, value] of Object.entries(metrics)) if (typeof value === 'number' && Number.isFinite(value)) out[key] = value;
  return out;
}

/**
 * The default mining input: the sample's class probabilities. Outputs that already are a distribution (a softmax
 * layer) are taken as they are; others are read as logits and softmaxed, so CrossEntropy works with both.
 */
export function probabilities(output: Tensor): Float32Array {
  const row = output.data;
  let sum = 0;
  let inRange = true;
  for (const v of row) {
    if (v < 0 || v > 1) inRange = false;
    sum += v;
  }
  if (inRange && Math.abs(sum - 1) < 1e-3) return row;
  let max = -Infinity;
  for (const v of row) max = Math.max(max, v);
  const out = new Float32Array(row.length);
  let total = 0;
  row.forEach((v, i) => {
    out[i] = Math.exp(v - max);
    total += out[i] as number;
  });
  for (let i = 0; i < out.length; i++) out[i] = (out[i] as number) / total;
  return out;
}

function describeEvent(event: HotUpdateEvent): string {
  switch (event.type) {
    case 'updated':
      return `now serving ${event.modelPath} (version ${event.version})`;
    case 'load-failed':
      return `loading ${event.modelPath} (version ${event.version}) failed: ${String((event.error as Error)?.message ?? event.error)}`;
    default:
      return `${event.type}: ${String((event.error as Error)?.message ?? event.error)}`;
  }
}
