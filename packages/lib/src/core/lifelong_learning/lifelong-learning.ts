/**
 * Lifelong learning (the original's LifelongLearning): a knowledge base of tasks and their models, learned in the
 * cloud and served at the edge, that finds samples it does not know and learns them once they are labelled.
 *
 *   cloud train worker:  train(samples)     initial training, or an update round when HAS_COMPLETED_INITIAL_TRAINING
 *   cloud eval worker:   evaluate(samples)  scores every task group, decides which the edge serves
 *   edge infer worker:   inference(samples) recognizes unseen samples, answers each sample with its task's model,
 *                                           saves unseen samples to UT_SAVED_URL, hot-reloads new indexes
 *
 * Every pluggable step is a slot filled by name (a method dict `{method, param}` looked up in the ClassFactory
 * under the original ClassType strings), by an instance, or by the slot's default; see
 * algorithms/lifelong/README.md for what the algorithms do.
 */
import { createLifelongAlgorithm, type LifelongAlgorithmSpec, type LifelongSlotTypes } from '../../algorithms/lifelong/index.js';
import type { SampleSet } from '../../algorithms/lifelong/sample-set.js';
import type { TaskProfileOptions } from '../../algorithms/lifelong/task-profile.js';
import type { Env } from '../../common/config.js';
import { Storage } from '../../storage/storage.js';
import type { Estimator, TrainOptions } from '../estimator.js';
import { evaluateKnowledge, type LifelongEvalResult } from './cloud-evaluate.js';
import { trainKnowledge, updateKnowledge, type LifelongTrainResult } from './cloud-train.js';
import { EdgeKnowledge } from './edge-knowledge.js';
import { runInference, type LifelongInferenceResult } from './edge-inference.js';
import { KBClient } from './kb-client.js';
import type { KbIndex } from './kb-index.js';
import type { EstimatorFactory } from './loaded-knowledge.js';
import type { LifelongAlgorithms, LifelongParts } from './parts.js';
import { LifelongReporter } from './reports.js';
import { lifelongSettingsFromEnv, type LifelongSettings } from './settings.js';
import { UnseenSampleWriter, type UnseenSamplePostprocess } from './unseen-samples.js';
import { lifelongLearningRecorder, type LifelongLearningRecorder } from '../../metrics/recorders.js';

type SlotOption<S extends keyof LifelongSlotTypes> = LifelongSlotTypes[S] | LifelongAlgorithmSpec | null;

export interface LifelongLearningOptions {
  /** Makes an estimator with fresh weights: one per task group trained, and to load models into. */
  seenEstimator: EstimatorFactory;
  /** Answers samples no known task covers (default: the model of the nearest seen task). */
  unseenEstimator?: Estimator;
  taskDefinition?: SlotOption<'task_definition'>;
  taskRelationshipDiscovery?: SlotOption<'task_relationship_discovery'>;
  taskAllocation?: SlotOption<'task_allocation'>;
  taskRemodeling?: SlotOption<'task_remodeling'>;
  inferenceIntegrate?: SlotOption<'inference_integrate'>;
  taskUpdateDecision?: SlotOption<'task_update_decision'>;
  unseenTaskAllocation?: SlotOption<'unseen_task_allocation'>;
  unseenSampleRecognition?: SlotOption<'unseen_sample_recognition'>;
  unseenSampleReRecognition?: SlotOption<'unseen_sample_re_recognition'>;
  /** Options of every model's training (epochs, batch size, learning rate, seed). */
  trainOptions?: TrainOptions;
  /** How task profiles are built (clusters, variance floor, calibration share). */
  profile?: TaskProfileOptions;
  /** Names of the label classes, for the index and reports. */
  classes?: readonly string[];
  /** Where the settings are read (default process.env). */
  env?: Env;
  /** Settings that override the environment's. */
  settings?: Partial<LifelongSettings>;
  storage?: Storage;
  /** The KB client (default: one for KB_SERVER when set); false: no knowledge base server. */
  kb?: KBClient | false;
  /** Where reports go (default: the LC of the environment, when JOB_NAME is set). */
  reporter?: LifelongReporter;
  /** Replaces the default saving of unseen samples to UT_SAVED_URL. */
  unseenSamplePostprocess?: UnseenSamplePostprocess;
  log?: (line: string) => void;
}

export class LifelongLearning {
  readonly settings: LifelongSettings;
  readonly algorithms: LifelongAlgorithms;
  private readonly parts: LifelongParts;
  private readonly postprocess: UnseenSamplePostprocess | undefined;
  private edge: EdgeKnowledge | undefined;
  private unseenWriter: UnseenSampleWriter | undefined;
  private recorder: LifelongLearningRecorder | undefined;

  constructor(options: LifelongLearningOptions) {
    if (typeof options.seenEstimator !== 'function') throw new Error('LifelongLearning needs seenEstimator, a function that makes a fresh estimator');
    const env = options.env ?? process.env;
    const log = options.log ?? ((line: string) => console.log(`[lifelong] ${line}`));
    this.settings = { ...lifelongSettingsFromEnv(env), ...options.settings };
    this.algorithms = {
      taskDefinition: createLifelongAlgorithm('task_definition', options.taskDefinition),
      taskRelationshipDiscovery: createLifelongAlgorithm('task_relationship_discovery', options.taskRelationshipDiscovery),
      taskAllocation: createLifelongAlgorithm('task_allocation', options.taskAllocation),
      taskRemodeling: createLifelongAlgorithm('task_remodeling', options.taskRemodeling),
      inferenceIntegrate: createLifelongAlgorithm('inference_integrate', options.inferenceIntegrate),
      taskUpdateDecision: createLifelongAlgorithm('task_update_decision', options.taskUpdateDecision),
      unseenTaskAllocation: createLifelongAlgorithm('unseen_task_allocation', options.unseenTaskAllocation),
      unseenSampleRecognition: createLifelongAlgorithm('unseen_sample_recognition', options.unseenSampleRecognition),
      unseenSampleReRecognition: createLifelongAlgorithm('unseen_sample_re_recognition', options.unseenSampleReRecognition),
    };
    const kb = options.kb === false ? undefined : (options.kb ?? (this.settings.kbServer !== undefined ? new KBClient(this.settings.kbServer) : undefined));
    this.parts = {
      settings: this.settings,
      algorithms: this.algorithms,
      seenEstimator: options.seenEstimator,
      unseenEstimator: options.unseenEstimator,
      trainOptions: options.trainOptions ?? {},
      profileOptions: options.profile ?? {},
      classes: options.classes,
      storage: options.storage ?? new Storage({ env }),
      kb,
      reporter: options.reporter ?? LifelongReporter.fromEnv(env, log),
      log,
    };
    this.postprocess = options.unseenSamplePostprocess;
  }

  /**
   * Cloud training: the initial training, or, when HAS_COMPLETED_INITIAL_TRAINING is true, an update of the index at
   * CLOUD_KB_INDEX with these labelled samples. Reports `train completed` (or `failed`, then throws).
   */
  async train(trainData: SampleSet): Promise<LifelongTrainResult> {
    if (this.settings.hasCompletedInitialTraining) return this.update(trainData);
    return this.reportingFailure('train', () => trainKnowledge(this.parts, trainData));
  }

  /** Cloud update round: learns labelled (unseen) samples into the index at CLOUD_KB_INDEX. */
  async update(trainData: SampleSet): Promise<LifelongTrainResult> {
    return this.reportingFailure('train', () => updateKnowledge(this.parts, trainData));
  }

  /** Cloud evaluation of the index at MODEL_URLS; decides which groups are deployed. Reports `eval completed`. */
  async evaluate(testData: SampleSet): Promise<LifelongEvalResult> {
    return this.reportingFailure('eval', () => evaluateKnowledge(this.parts, testData));
  }

  /**
   * Edge inference with the index at MODEL_URLS, deployed on first use and again whenever its create_time changes
   * (checked every MODEL_POLL_PERIOD_SECONDS). Unseen samples are saved to UT_SAVED_URL.
   */
  async inference(data: SampleSet): Promise<LifelongInferenceResult> {
    const edge = this.edgeKnowledge();
    const knowledge = await edge.knowledge();
    this.unseenWriter ??= new UnseenSampleWriter({ saveUrl: this.settings.unseenSaveUrl, storage: this.parts.storage, ...(this.postprocess ? { postprocess: this.postprocess } : {}) });
    const result = await runInference(this.parts, knowledge, data, this.unseenWriter);
    this.recorder ??= lifelongLearningRecorder();
    this.recorder.inference(result.outcomes.length, result.outcomes.filter((o) => !o.seen).length);
    this.recorder.knowledge(knowledge.catalog.tasks.map((t) => ({ name: t.entry })));
    return result;
  }

  /** Checks MODEL_URLS for a new index now, instead of waiting for the poll. */
  async checkForNewIndex(): Promise<void> {
    await this.edgeKnowledge().checkNow();
  }

  /** The index the edge serves, once inference ran. */
  get deployedVersion(): string | undefined {
    return this.edge?.version;
  }

  /** The newest index version seen at MODEL_URLS (by the poll or checkForNewIndex); the next inference serves it. */
  get publishedVersion(): string | undefined {
    return this.edge?.publishedVersion;
  }

  /** Unseen samples saved by this worker so far. */
  get unseenSamplesSaved(): number {
    return this.unseenWriter?.count ?? 0;
  }

  /** Stops the hot reload poll and frees the served models. */
  async close(): Promise<void> {
    await this.edge?.stop();
    this.edge = undefined;
  }

  private edgeKnowledge(): EdgeKnowledge {
    if (this.edge === undefined) {
      const indexUrl = this.settings.modelUrls[0];
      if (indexUrl === undefined) throw new Error('inference needs MODEL_URLS, the knowledge base index to serve');
      this.edge = new EdgeKnowledge({
        indexUrl,
        edgeDir: this.settings.edgeOutputUrl,
        storage: this.parts.storage,
        estimatorFactory: this.parts.seenEstimator,
        pollPeriodMs: this.settings.pollPeriodSeconds * 1000,
        log: this.parts.log,
      });
      this.edge.start();
    }
    return this.edge;
  }

  private async reportingFailure<T>(kind: 'train' | 'eval', work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      this.parts.log(`${kind} failed: ${(error as Error).message}`);
      await this.parts.reporter.report(kind, 'failed');
      throw error;
    }
  }
}

export type { KbIndex };
