/**
 * The LC's incremental learning manager (reference §3.5): it follows each IncrementalLearningJob's stage machine
 * from the job's latest condition and does the node-side part of each stage.
 *
 *   Train/Waiting   (dataset node) evaluate the train trigger on the samples gathered since the last round; when
 *                   it fires, write data/train/<round>/data.txt and send Train ready (base model, data, outputDir)
 *   Eval/Waiting    (dataset node) write data/eval/<round>/data.txt (the last eval versions) and send Eval ready
 *                   with [trained model, model to compare with]
 *   Deploy/Waiting  (dataset node) evaluate the deploy trigger on the eval metrics; copy the trained model over
 *                   the deploy model (cold update) and send Deploy ready, or send Deploy completed (not better)
 *   Deploy/Running  (deploy node, hot update) copy the trained model into the hot-update folder and rewrite
 *                   model_config.json; the inference worker reloads and reports deploy completed
 *
 * The GM does the rest (reference §3.7). Each action is taken once per condition (remembered in the job's state
 * file), so a job that comes back unchanged, a resync or an LC restart repeats nothing. The train trigger is
 * evaluated when the dataset changes (datasetChanged), when the job changes, and every checkPeriodSeconds (the
 * only way to notice a time window opening); the deploy trigger waits the same way for its window.
 */
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { StageCondition } from '@sedna/api';
import type { WorkerMessage } from '../../server/worker-message.js';
import { evaluateTrigger } from '../../trigger/index.js';
import {
  conditionMark,
  deployingModels,
  latestCondition,
  modelInFormat,
  roundEvalInputModels,
  roundEvalResults,
  roundOfCycle,
  roundTrainedModels,
  lastTrainedModels,
} from './conditions.js';
import { deployStats } from './deploy-stats.js';
import { ANNOTATION_HOT_UPDATE_CONFIG, ANNOTATION_STAGE_NODE, parseJob, parseModel, type IlJob, type IlModel } from './job-object.js';
import { copyModel, publishHotUpdate } from './model-files.js';
import { PathPolicy } from './paths.js';
import { createOutputLayout, trainOutputDir, writeRoundData, type RoundKind } from './round-files.js';
import { SampleLedger } from './sample-ledger.js';
import { sampleFormat, sampleLineCheck } from './sample-lines.js';
import { freshState, JobStateStore, type JobState, type StageAction } from './state-store.js';
import type { IlPhase, IncrementalUpstreamContent, SendUpstream, UpstreamModel } from './upstream.js';

export const INCREMENTAL_LEARNING_KIND = 'incrementallearningjob';

/** What the manager may know of a dataset besides its lines (the dataset manager's snapshot fits). */
export interface DatasetInfo {
  /** txt or csv (default txt). */
  format?: string;
  /** The csv header line. */
  header?: string;
  /** The dataset's url, when remote (s3://, http(s)://): round files then get a dataIndex.txt. */
  url?: string;
}

export interface IncrementalLearningManagerOptions {
  /** This node: hot updates are done only where the GM's `sedna.io/Deploy` annotation names it. */
  nodeName?: string;
  /** The LC's data dir; job states go to `<dataDir>/incrementallearning/`. */
  dataDir: string;
  /** Folders the manager may write: outputDirs, model files, hot-update folders. */
  roots: readonly string[];
  /** Prefix under which host paths are reached (the original's ROOTFS_MOUNT_DIR); empty on the host. */
  hostPrefix?: string;
  /** Sends an upstream status message for a job. */
  send: SendUpstream;
  /** The sample lines of dataset `namespace/name` on this node, undefined when this node does not hold it. */
  samples: (datasetKey: string) => readonly string[] | undefined;
  /** The dataset's format and header (and url); default txt. */
  datasetInfo?: (datasetKey: string) => DatasetInfo | undefined;
  /** The time triggers see (local time of day); default now. */
  clock?: () => Date;
  /** Problems worth a user's attention (each distinct one once per job). Default console.warn. */
  warn?: (message: string) => void;
  /** Progress (a round started, a model deployed). Default: nothing. */
  log?: (message: string) => void;
}

/** A job as the manager sees it, for status and tests. */
export interface IncrementalJobSummary {
  key: string;
  stage: string | undefined;
  rounds: number;
  pendingTrainSamples: number;
  evalSamples: number;
  evalVersions: number;
  consumedLines: number;
  malformedSamples: number;
}

interface JobEntry {
  job: IlJob;
  state: JobState;
  ledger: SampleLedger;
  running: Promise<void> | undefined;
  again: boolean;
  timer: NodeJS.Timeout | undefined;
  deleted: boolean;
  dirty: boolean;
  layoutReady: boolean;
  /** Last message said per topic, so a problem seen on every check is told once. */
  said: Map<string, string>;
}

/** Seconds until the next check, or undefined for none (an event will come). */
type Recheck = number | undefined;

export class IncrementalLearningManager {
  private readonly jobs = new Map<string, JobEntry>();
  private readonly models = new Map<string, IlModel>();
  private readonly store: JobStateStore;
  private readonly paths: PathPolicy;
  private readonly clock: () => Date;
  private readonly warn: (message: string) => void;
  private readonly log: (message: string) => void;
  private closed = false;

  constructor(private readonly options: IncrementalLearningManagerOptions) {
    this.store = new JobStateStore(path.join(options.dataDir, 'incrementallearning'));
    this.paths = new PathPolicy(options.roots, options.hostPrefix ?? '');
    this.clock = options.clock ?? (() => new Date());
    this.warn = options.warn ?? ((message) => console.warn(`[incremental learning] ${message}`));
    this.log = options.log ?? (() => undefined);
  }

  /** An insert or update of a job from the GM. Returns false (and warns) when the object is refused. */
  upsertJob(object: unknown): boolean {
    if (this.closed) return false;
    let job: IlJob;
    try {
      job = parseJob(object);
    } catch (error) {
      this.warn(`ignoring an incremental learning job: ${(error as Error).message}`);
      return false;
    }
    let entry = this.jobs.get(job.key);
    if (!entry) {
      const state = this.loadState(job);
      entry = { job, state, ledger: new SampleLedger(state.ledger), running: undefined, again: false, timer: undefined, deleted: false, dirty: false, layoutReady: false, said: new Map() };
      this.jobs.set(job.key, entry);
    } else if (job.uid !== undefined && entry.job.uid !== undefined && job.uid !== entry.job.uid) {
      this.warn(`job ${job.key} was created again (uid ${job.uid}); starting from round 0`);
      entry.state = freshState(job.uid);
      entry.ledger = new SampleLedger(entry.state.ledger);
      entry.dirty = true;
    }
    entry.job = job;
    this.schedule(entry);
    return true;
  }

  /** The job was deleted (or this node no longer takes part): stops it and removes its state. */
  async deleteJob(key: string): Promise<void> {
    const entry = this.jobs.get(key);
    if (!entry) return;
    entry.deleted = true;
    this.jobs.delete(key);
    clearTimeout(entry.timer);
    await entry.running;
    await this.store.remove(key);
    // The original removed the hot-update folder; only the deploy node owns it (nodes may share a disk).
    const config = entry.job.annotations[ANNOTATION_HOT_UPDATE_CONFIG];
    if (config !== undefined && this.isDeployNode(entry.job)) {
      try {
        await rm(path.dirname(this.paths.local(config, 'hot-update config')), { recursive: true, force: true });
      } catch (error) {
        this.warn(`job ${key}: could not remove the hot-update folder: ${(error as Error).message}`);
      }
    }
  }

  upsertModel(object: unknown): boolean {
    let model: IlModel;
    try {
      model = parseModel(object);
    } catch (error) {
      this.warn(`ignoring a model: ${(error as Error).message}`);
      return false;
    }
    this.models.set(model.key, model);
    this.scheduleWhere((job) => this.modelKeysOf(job).includes(model.key));
    return true;
  }

  deleteModel(key: string): void {
    this.models.delete(key);
  }

  /** The dataset's sample count changed: account the new lines and evaluate the trigger now. */
  datasetChanged(datasetKey: string): void {
    this.scheduleWhere((job) => job.datasetKey === datasetKey);
  }

  /**
   * A worker report with ownerKind incrementallearningjob: sent upstream as `{phase: kind, status, output}` when
   * the job is known here. Returns whether it was sent.
   */
  handleWorkerReport(report: Pick<WorkerMessage, 'namespace' | 'ownerName' | 'kind' | 'status' | 'results' | 'ownerInfo'>): boolean {
    if (!this.jobs.has(`${report.namespace}/${report.ownerName}`)) return false;
    this.options.send(report.namespace, report.ownerName, {
      phase: report.kind,
      status: report.status,
      output: { ...(report.results ? { models: report.results } : {}), ...(report.ownerInfo ? { ownerInfo: report.ownerInfo } : {}) },
    });
    return true;
  }

  has(key: string): boolean {
    return this.jobs.has(key);
  }

  keys(): string[] {
    return [...this.jobs.keys()];
  }

  status(key: string): IncrementalJobSummary | undefined {
    const entry = this.jobs.get(key);
    if (!entry) return undefined;
    const latest = latestCondition(entry.job.conditions);
    const ledger = entry.state.ledger;
    return {
      key,
      stage: latest ? `${latest.stage}/${latest.type}` : undefined,
      rounds: entry.state.rounds,
      pendingTrainSamples: ledger.pendingTrain.length,
      evalSamples: entry.ledger.evalCount,
      evalVersions: ledger.evalVersions.length + (ledger.openEval.length > 0 ? 1 : 0),
      consumedLines: ledger.consumedLines,
      malformedSamples: ledger.malformed,
    };
  }

  /** Resolves when no job has work in progress. */
  async idle(): Promise<void> {
    for (;;) {
      const running = [...this.jobs.values()].map((entry) => entry.running).filter((p): p is Promise<void> => p !== undefined);
      if (running.length === 0) return;
      await Promise.all(running);
    }
  }

  /** Stops the periodic checks and waits for work in progress. */
  async close(): Promise<void> {
    this.closed = true;
    for (const entry of this.jobs.values()) clearTimeout(entry.timer);
    await this.idle();
  }

  // ---- scheduling

  private scheduleWhere(predicate: (job: IlJob) => boolean): void {
    for (const entry of this.jobs.values()) if (predicate(entry.job)) this.schedule(entry);
  }

  /** Runs the job's reconcile soon; runs never overlap, and a request during a run gives one more run. */
  private schedule(entry: JobEntry): void {
    if (entry.deleted || this.closed) return;
    if (entry.running) {
      entry.again = true;
      return;
    }
    entry.running = (async () => {
      do {
        entry.again = false;
        await this.reconcile(entry);
      } while (entry.again && !entry.deleted && !this.closed);
    })().finally(() => {
      entry.running = undefined;
    });
  }

  private reschedule(entry: JobEntry, seconds: number): void {
    clearTimeout(entry.timer);
    if (entry.deleted || this.closed) return;
    entry.timer = setTimeout(() => this.schedule(entry), seconds * 1000);
    entry.timer.unref();
  }

  private async reconcile(entry: JobEntry): Promise<void> {
    clearTimeout(entry.timer);
    entry.timer = undefined;
    const job = entry.job;
    let recheck: Recheck;
    try {
      const samples = this.options.samples(job.datasetKey);
      const holdsDataset = samples !== undefined;
      if (samples !== undefined) {
        this.ingest(entry, samples);
        await this.ensureLayout(entry);
      }
      recheck = await this.act(entry, holdsDataset);
    } catch (error) {
      this.say(entry, 'error', `job ${job.key}: ${(error as Error).message}`);
      recheck = job.trainTrigger.checkPeriodSeconds;
    }
    if (entry.dirty && !entry.deleted) {
      try {
        await this.store.save(job.key, entry.state);
        entry.dirty = false;
      } catch (error) {
        this.say(entry, 'state', `job ${job.key}: cannot save its state: ${(error as Error).message}`);
      }
    }
    if (recheck !== undefined) this.reschedule(entry, recheck);
  }

  /** The action the latest condition asks of this node, if any. */
  private async act(entry: JobEntry, holdsDataset: boolean): Promise<Recheck> {
    const job = entry.job;
    const latest = latestCondition(job.conditions);
    if (!latest) return undefined;
    const mark = conditionMark(job.conditions);
    // The Waiting stages belong to the node that holds the dataset (the GM sends Waiting jobs there).
    if (latest.type === 'Waiting' && holdsDataset) {
      if (latest.stage === 'Train') return this.trainStage(entry, mark);
      if (latest.stage === 'Eval') return this.evalStage(entry, mark);
      return this.deployStage(entry, mark);
    }
    if (latest.stage === 'Deploy' && latest.type === 'Running' && job.spec.deploySpec.model.hotUpdateEnabled === true) {
      return this.hotUpdateStage(entry, mark);
    }
    return undefined;
  }

  // ---- samples

  private ingest(entry: JobEntry, samples: readonly string[]): void {
    const job = entry.job;
    const info = this.options.datasetInfo?.(job.datasetKey);
    const result = entry.ledger.ingest(samples, job.spec.dataset.trainProb, sampleLineCheck(sampleFormat(info?.format), info?.header));
    if (result.train + result.eval + result.malformed.length > 0 || result.shrunk) entry.dirty = true;
    if (result.shrunk) {
      this.warn(`job ${job.key}: dataset ${job.datasetKey} has ${result.shrunk.to} sample lines, fewer than the ${result.shrunk.from} already accounted; it was replaced or truncated, only lines added from now on are new`);
    }
    if (result.malformed.length > 0) {
      const shown = result.malformed
        .slice(0, 3)
        .map((m) => `sample line ${m.sample} ${JSON.stringify(m.line.length > 80 ? `${m.line.slice(0, 77)}...` : m.line)} ${m.problem}`)
        .join('; ');
      const more = result.malformed.length > 3 ? `; and ${result.malformed.length - 3} more` : '';
      this.warn(`job ${job.key}: dataset ${job.datasetKey}: skipped ${result.malformed.length} malformed sample line(s) (${entry.state.ledger.malformed} so far): ${shown}${more}`);
    }
    if (result.train + result.eval > 0) {
      this.log(`job ${job.key}: ${result.train} new train and ${result.eval} new eval samples (${entry.ledger.pendingTrainCount} train samples waiting)`);
    }
  }

  private async ensureLayout(entry: JobEntry): Promise<void> {
    if (entry.layoutReady) return;
    await createOutputLayout(this.paths.local(entry.job.spec.outputDir, 'spec.outputDir'));
    entry.layoutReady = true;
  }

  // ---- stages

  private async trainStage(entry: JobEntry, mark: string): Promise<Recheck> {
    const job = entry.job;
    if (entry.state.handled.train === mark) return undefined;
    const period = job.trainTrigger.checkPeriodSeconds;
    const decision = evaluateTrigger(job.trainTrigger, { num_of_samples: entry.ledger.pendingTrainCount }, this.clock());
    if (decision.condition.problem) this.say(entry, 'train-trigger', `job ${job.key}: train trigger: ${decision.condition.problem}`);
    if (!decision.fire) return period;
    const base = this.baseModel(entry);
    if (!base) return period;
    const round = entry.state.rounds + 1;
    const lines = entry.state.ledger.pendingTrain;
    const files = await this.writeRound(entry, 'train', round, lines);
    const outputDir = trainOutputDir(job.spec.outputDir, round);
    await mkdir(this.paths.local(outputDir, 'the round output folder'), { recursive: true });
    this.send(job, { phase: 'train', status: 'ready', input: { models: [base], ...files, outputDir } });
    entry.ledger.takeTrain();
    entry.state.rounds = round;
    this.handled(entry, 'train', mark);
    this.log(`job ${job.key}: round ${round}: train trigger fired (${decision.reason}); ${lines.length} train samples in ${files.dataURL}`);
    return undefined;
  }

  private async evalStage(entry: JobEntry, mark: string): Promise<Recheck> {
    const job = entry.job;
    if (entry.state.handled.eval === mark) return undefined;
    const trained = roundTrainedModels(job.conditions);
    if (!trained) {
      this.fail(entry, 'eval', mark, 'the train stage of this round reported no trained model (no Train/Completed condition with output models after the last Train/Ready)');
      return undefined;
    }
    const compareName = job.spec.evalSpec.initialEvalModel?.name ?? job.spec.deploySpec.model.name;
    const compareWith = this.modelNamed(entry, compareName, job.spec.evalSpec.initialEvalModel ? 'spec.evalSpec.initialEvalModel' : 'spec.deploySpec.model');
    if (!compareWith) return undefined;
    const candidate = this.pickFormat(entry, trained, compareWith.ref.format, 'the model to evaluate');
    const round = roundOfCycle(job.conditions) ?? Math.max(1, entry.state.rounds);
    const lines = entry.ledger.closeEvalVersion();
    entry.dirty = true;
    if (lines.length === 0) this.say(entry, 'eval-empty', `job ${job.key}: round ${round}: no eval samples yet (dataset.trainProb is ${job.spec.dataset.trainProb}); the eval data is empty`);
    const files = await this.writeRound(entry, 'eval', round, lines);
    this.send(job, { phase: 'eval', status: 'ready', input: { models: [candidate, compareWith.ref], ...files } });
    this.handled(entry, 'eval', mark);
    this.log(`job ${job.key}: round ${round}: ${lines.length} eval samples in ${files.dataURL}`);
    return undefined;
  }

  private async deployStage(entry: JobEntry, mark: string): Promise<Recheck> {
    const job = entry.job;
    if (entry.state.handled.deploy === mark) return undefined;
    const results = roundEvalResults(job.conditions);
    if (!results || results.length < 2) {
      this.fail(entry, 'deploy', mark, `the eval stage reported ${results?.length ?? 0} result(s); the deploy trigger needs two (the new model's, then the old model's)`);
      return undefined;
    }
    const { stats, skipped } = deployStats(metricsOf(results[0] as UpstreamModel), metricsOf(results[1] as UpstreamModel));
    if (skipped.length > 0) this.say(entry, 'deploy-stats', `job ${job.key}: eval metrics left out of the deploy trigger: ${skipped.join('; ')}`);
    const decision = evaluateTrigger(job.deployTrigger, stats, this.clock());
    if (decision.condition.problem) this.say(entry, 'deploy-trigger', `job ${job.key}: deploy trigger: ${decision.condition.problem}`);
    if (!decision.condition.satisfied) {
      this.send(job, { phase: 'deploy', status: 'completed', output: { ownerInfo: { deployed: false, reason: decision.reason } } });
      this.handled(entry, 'deploy', mark);
      this.log(`job ${job.key}: the new model is not deployed: ${decision.reason}`);
      return undefined;
    }
    if (decision.window === 'closed') {
      this.say(entry, 'deploy-window', `job ${job.key}: the new model passed (${decision.condition.explanation}); waiting for the deploy time window`);
      return job.deployTrigger.checkPeriodSeconds;
    }
    const target = this.modelNamed(entry, job.spec.deploySpec.model.name, 'spec.deploySpec.model');
    if (!target) return undefined;
    const trained = this.trainedForDeploy(job.conditions, target.ref.format);
    if (!trained) {
      this.fail(entry, 'deploy', mark, 'no trained model of this round to deploy');
      return undefined;
    }
    if (job.spec.deploySpec.model.hotUpdateEnabled !== true) {
      try {
        await this.copyOver(trained, target.ref, 'spec.deploySpec.model');
        const evalModel = job.spec.evalSpec.initialEvalModel ? this.models.get(`${job.namespace}/${job.spec.evalSpec.initialEvalModel.name}`) : undefined;
        // The next round compares with what is deployed: refresh a separate eval model too.
        if (evalModel && evalModel.ref.url !== target.ref.url) {
          const forEval = modelInFormat(roundTrainedModels(job.conditions) ?? [], evalModel.ref.format) ?? trained;
          await this.copyOver(forEval, evalModel.ref, 'spec.evalSpec.initialEvalModel');
        }
      } catch (error) {
        this.fail(entry, 'deploy', mark, `copying the trained model failed: ${(error as Error).message}`);
        return undefined;
      }
    }
    this.send(job, { phase: 'deploy', status: 'ready', input: { models: [trained, target.ref] } });
    this.handled(entry, 'deploy', mark);
    this.log(`job ${job.key}: deploying ${trained.url} (${decision.reason})`);
    return undefined;
  }

  private async hotUpdateStage(entry: JobEntry, mark: string): Promise<Recheck> {
    const job = entry.job;
    if (entry.state.handled.hotUpdate === mark || !this.isDeployNode(job)) return undefined;
    const config = job.annotations[ANNOTATION_HOT_UPDATE_CONFIG];
    if (config === undefined) {
      this.say(entry, 'hot-update', `job ${job.key}: hot update is enabled but the job has no ${ANNOTATION_HOT_UPDATE_CONFIG} annotation yet`);
      return undefined;
    }
    const models = deployingModels(job.conditions);
    const trained = models?.[0];
    if (!trained) {
      this.fail(entry, 'deploy', mark, 'the deployment carries no trained model (no input models on Deploy/Ready)', 'hotUpdate');
      return undefined;
    }
    try {
      const published = await publishHotUpdate({ configFile: this.paths.local(config, `annotation ${ANNOTATION_HOT_UPDATE_CONFIG}`), model: this.paths.local(trained.url, 'the trained model'), now: this.clock() });
      this.log(`job ${job.key}: hot update ${published.version}: ${trained.url} published as ${published.modelPath}`);
    } catch (error) {
      this.fail(entry, 'deploy', mark, `hot update failed: ${(error as Error).message}`, 'hotUpdate');
      return undefined;
    }
    const deployModel = models?.[1];
    if (deployModel) {
      // As the original: the deploy model gets the new version too, so a restarted inference worker starts with it.
      try {
        await this.copyOver(trained, deployModel, 'the deploy model');
      } catch (error) {
        this.say(entry, 'hot-update-copy', `job ${job.key}: the hot update is published, but copying it over the deploy model failed: ${(error as Error).message}`);
      }
    }
    this.handled(entry, 'hotUpdate', mark);
    return undefined;
  }

  // ---- helpers

  private send(job: IlJob, content: IncrementalUpstreamContent): void {
    this.options.send(job.namespace, job.name, content);
  }

  /** Tells the GM the stage cannot go on (it goes back to Train/Waiting) and the user why. */
  private fail(entry: JobEntry, phase: IlPhase, mark: string, reason: string, action: StageAction = phase): void {
    this.warn(`job ${entry.job.key}: ${phase} stage failed: ${reason}`);
    this.send(entry.job, { phase, status: 'failed', output: { ownerInfo: { reason } } });
    this.handled(entry, action, mark);
  }

  private handled(entry: JobEntry, action: StageAction, mark: string): void {
    entry.state.handled[action] = mark;
    entry.dirty = true;
  }

  private say(entry: JobEntry, topic: string, message: string): void {
    if (entry.said.get(topic) === message) return;
    entry.said.set(topic, message);
    this.warn(message);
  }

  private isDeployNode(job: IlJob): boolean {
    return this.options.nodeName === undefined || job.annotations[ANNOTATION_STAGE_NODE.Deploy] === this.options.nodeName;
  }

  private modelKeysOf(job: IlJob): string[] {
    const names = [job.spec.initialModel.name, job.spec.deploySpec.model.name, job.spec.evalSpec.initialEvalModel?.name].filter((n): n is string => n !== undefined);
    return names.map((name) => `${job.namespace}/${name}`);
  }

  private modelNamed(entry: JobEntry, name: string, field: string): IlModel | undefined {
    const model = this.models.get(`${entry.job.namespace}/${name}`);
    if (!model) this.say(entry, `model-${name}`, `job ${entry.job.key}: waiting for model ${entry.job.namespace}/${name} (${field}) to reach this node`);
    return model;
  }

  /**
   * The model a round trains from: the last trained model in the initial model's format (later rounds, as the
   * original), else the initial model.
   */
  private baseModel(entry: JobEntry): UpstreamModel | undefined {
    const initial = this.modelNamed(entry, entry.job.spec.initialModel.name, 'spec.initialModel');
    const trained = lastTrainedModels(entry.job.conditions);
    if (!trained) return initial?.ref;
    if (!initial) return trained[0];
    return this.pickFormat(entry, trained, initial.ref.format, 'the base model of the next round');
  }

  private trainedForDeploy(conditions: readonly StageCondition[], format: string): UpstreamModel | undefined {
    const round = roundTrainedModels(conditions);
    return (round && modelInFormat(round, format)) ?? roundEvalInputModels(conditions)?.[0] ?? round?.[0];
  }

  private pickFormat(entry: JobEntry, models: readonly UpstreamModel[], format: string, what: string): UpstreamModel {
    const match = modelInFormat(models, format);
    if (match) return match;
    const first = models[0] as UpstreamModel;
    this.say(entry, `format-${what}`, `job ${entry.job.key}: no trained model in format "${format}" for ${what} (got ${models.map((m) => m.format || '?').join(', ')}); using ${first.url}`);
    return first;
  }

  private async copyOver(from: UpstreamModel, to: UpstreamModel, what: string): Promise<void> {
    await copyModel(this.paths.local(from.url, 'the trained model'), this.paths.local(to.url, what));
  }

  private async writeRound(entry: JobEntry, kind: RoundKind, round: number, lines: readonly string[]) {
    const job = entry.job;
    const info = this.options.datasetInfo?.(job.datasetKey);
    const remote = info?.url !== undefined && PathPolicy.isRemote(info.url);
    return writeRoundData(
      {
        outputDir: this.paths.hostPath(job.spec.outputDir, 'spec.outputDir'),
        kind,
        round,
        lines,
        format: sampleFormat(info?.format),
        ...(info?.header !== undefined ? { header: info.header } : {}),
        ...(remote ? { indexPrefix: (info.url as string).replace(/\/[^/]*$/, '') } : {}),
      },
      (hostPath) => this.paths.local(hostPath, 'spec.outputDir'),
    );
  }

  private loadState(job: IlJob): JobState {
    let state: JobState | undefined;
    try {
      state = this.store.load(job.key);
    } catch (error) {
      this.warn(`job ${job.key}: ${(error as Error).message}; starting from round 0`);
    }
    if (state && job.uid !== undefined && state.uid !== undefined && state.uid !== job.uid) {
      this.warn(`job ${job.key}: the saved state belongs to an earlier job of that name; starting from round 0`);
      state = undefined;
    }
    return state ?? freshState(job.uid);
  }
}

function metricsOf(model: UpstreamModel): Record<string, unknown> {
  const metrics = model.metrics;
  return metrics !== null && typeof metrics === 'object' && !Array.isArray(metrics) ? metrics : {};
}
