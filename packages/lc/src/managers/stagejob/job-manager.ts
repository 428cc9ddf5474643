/**
 * What the LC's incremental and lifelong learning managers share (reference §3.5): the job list, a reconcile per
 * job that never overlaps itself, the sample accounting of the job's dataset, the train trigger, the round files,
 * the per-job state file, and the forwarding of worker reports. A feature says what each stage does on this node
 * (`act`); the Train/Waiting stage is the same for both and lives here.
 *
 * Each action is taken once per condition (remembered in the job's state file), so a job that comes back
 * unchanged, a resync or an LC restart repeats nothing. A job is reconciled when the dataset changes
 * (datasetChanged), when the job changes, and every checkPeriodSeconds while a trigger waits (the only way to
 * notice a time window opening). Reconciles run on the shared work queue of @sedna/api/runtime, keyed by job: a job
 * asked for many times runs once and never concurrently with itself, a failure is retried with backoff, and a
 * trigger's next check is a requeue-after the reconcile returns.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { StageCondition } from '@sedna/api';
import type { WorkerMessage } from '@sedna/api/contracts';
import { errorMessage, WorkQueue, type ReconcileResult } from '@sedna/api/runtime';
import { evaluateTrigger, type CompiledTrigger } from '../../trigger/index.js';
import { latestStageCondition as latestCondition, stageMark } from '@sedna/api/contracts';
import { ANNOTATION_STAGE_NODE, type ObjectMeta } from './objects.js';
import { PathPolicy } from './paths.js';
import { createOutputLayout, trainOutputDir, writeRoundData, type RoundKind } from './round-files.js';
import { SampleLedger } from './sample-ledger.js';
import { sampleFormat, sampleLineCheck } from './sample-lines.js';
import { freshState, JobStateStore, type JobState, type StageAction } from './state-store.js';
import { upgradeMarks } from './legacy-marks.js';
import type { SendUpstream, StagePhase, StageUpstreamContent, UpstreamModel } from './upstream.js';

/** What the manager may know of a dataset besides its lines (the dataset manager's snapshot fits). */
export interface DatasetInfo {
  /** txt or csv (default txt). */
  format?: string;
  /** The csv header line. */
  header?: string;
  /** The dataset's url, when remote (s3://, http(s)://): round files then get a dataIndex.txt. */
  url?: string;
}

export interface StageJobManagerOptions {
  /** This node: deploy-node work is done only where the GM's `sedna.io/Deploy` annotation names it. */
  nodeName?: string;
  /** The LC's data dir; job states go to `<dataDir>/<feature folder>/`. */
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

/** What every stage job carries, as its feature parsed it from the GM's object. */
export interface StageJob extends Omit<ObjectMeta, 'annotations'> {
  /** `namespace/name`. */
  key: string;
  annotations: Readonly<Record<string, string>>;
  conditions: readonly StageCondition[];
  /** The current round (status.round, stage-protocol.ts). */
  round: number;
  /** `namespace/<spec.dataset.name>`, the key of the dataset manager. */
  datasetKey: string;
  trainProb: number;
  outputDir: string;
  trainTrigger: CompiledTrigger;
}

/** A job as the manager sees it, for status and tests. */
export interface StageJobSummary {
  key: string;
  stage: string | undefined;
  rounds: number;
  pendingTrainSamples: number;
  evalSamples: number;
  evalVersions: number;
  consumedLines: number;
  malformedSamples: number;
}

export interface JobEntry<J extends StageJob> {
  job: J;
  state: JobState;
  ledger: SampleLedger;
  deleted: boolean;
  dirty: boolean;
  layoutReady: boolean;
  /** Last message said per topic, so a problem seen on every check is told once. */
  said: Map<string, string>;
}

/** Seconds until the next check, or undefined for none (an event will come). */
export type Recheck = number | undefined;

/** The models a round's Train/Ready carries: a list (maybe empty), or `wait` when one it needs is not here yet. */
export type TrainModels = UpstreamModel[] | 'wait';

export abstract class StageJobManager<J extends StageJob> {
  protected readonly jobs = new Map<string, JobEntry<J>>();
  protected readonly store: JobStateStore;
  protected readonly paths: PathPolicy;
  protected readonly clock: () => Date;
  protected readonly warn: (message: string) => void;
  protected readonly log: (message: string) => void;
  /** The reconciles of the jobs, by key. */
  private readonly queue: WorkQueue;
  private closed = false;

  /**
   * @param feature the feature's name in messages ("incremental learning")
   * @param stateFolder the folder of job states under the LC's data dir
   */
  protected constructor(
    protected readonly options: StageJobManagerOptions,
    private readonly feature: string,
    stateFolder: string,
  ) {
    this.store = new JobStateStore(path.join(options.dataDir, stateFolder));
    this.paths = new PathPolicy(options.roots, options.hostPrefix ?? '');
    this.clock = options.clock ?? (() => new Date());
    this.warn = options.warn ?? ((message) => console.warn(`[${feature}] ${message}`));
    this.log = options.log ?? (() => undefined);
    this.queue = new WorkQueue((key) => this.reconcile(key), { baseDelayMs: 1000, maxDelayMs: 60_000, name: stateFolder }, (key, error) => this.failed(key, error));
  }

  /** The feature's job from the GM's object; throws an error naming the field at fault. */
  protected abstract parseJob(object: unknown): J;

  /** What the latest condition asks of this node, if anything. */
  protected abstract act(entry: JobEntry<J>, latest: StageCondition, mark: string, holdsDataset: boolean): Promise<Recheck>;

  /** The models a round's Train/Ready carries. */
  protected abstract trainModels(entry: JobEntry<J>): TrainModels;

  /** Called when a job is deleted, after its reconcile ended. */
  protected async jobDeleted(_entry: JobEntry<J>): Promise<void> {}

  /** An insert or update of a job from the GM. Returns false (and warns) when the object is refused. */
  upsertJob(object: unknown): boolean {
    if (this.closed) return false;
    let job: J;
    try {
      job = this.parseJob(object);
    } catch (error) {
      this.warn(`ignoring ${/^[aeiou]/.test(this.feature) ? 'an' : 'a'} ${this.feature} job: ${errorMessage(error)}`);
      return false;
    }
    let entry = this.jobs.get(job.key);
    if (!entry) {
      const { state, dirty } = this.loadState(job);
      entry = { job, state, ledger: new SampleLedger(state.ledger), deleted: false, dirty, layoutReady: false, said: new Map() };
      this.jobs.set(job.key, entry);
    } else if (job.uid !== undefined && entry.job.uid !== undefined && job.uid !== entry.job.uid) {
      this.warn(`job ${job.key} was created again (uid ${job.uid}); starting from round 0`);
      entry.state = freshState(job.uid);
      entry.ledger = new SampleLedger(entry.state.ledger);
      entry.dirty = true;
    }
    entry.job = job;
    this.queue.add(job.key);
    return true;
  }

  /** The job was deleted (or this node no longer takes part): stops it and removes its state. */
  async deleteJob(key: string): Promise<void> {
    const entry = this.jobs.get(key);
    if (!entry) return;
    entry.deleted = true;
    this.jobs.delete(key);
    this.queue.forget(key);
    // A reconcile in progress ends before the state goes (a queued one finds no job and does nothing).
    await this.queue.idle();
    await this.store.remove(key);
    await this.jobDeleted(entry);
  }

  /** The dataset's sample count changed: account the new lines and evaluate the trigger now. */
  datasetChanged(datasetKey: string): void {
    this.scheduleWhere((job) => job.datasetKey === datasetKey);
  }

  /**
   * A worker report for one of this feature's jobs: sent upstream as `{phase: kind, status, output}` when the job
   * is known here. Returns whether it was sent. (The LC forwards every report itself, since train and eval workers
   * may run on nodes the GM does not send the job to; the examples' local runners use this.)
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

  status(key: string): StageJobSummary | undefined {
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

  /** Resolves when no job has work in progress (later checks aside). */
  async idle(): Promise<void> {
    await this.queue.idle();
  }

  /** Stops the periodic checks and waits for work in progress. */
  async close(): Promise<void> {
    this.closed = true;
    this.queue.stop();
    await this.queue.idle();
  }

  // ---- scheduling

  protected scheduleWhere(predicate: (job: J) => boolean): void {
    for (const entry of this.jobs.values()) if (predicate(entry.job)) this.queue.add(entry.job.key);
  }

  /**
   * One reconcile of a job: account the dataset's new lines, take what the latest condition asks of this node, save
   * the state. A failure is thrown to the queue (retried with backoff, the state saved first); a trigger that waits
   * asks for its next check as a requeue-after.
   */
  private async reconcile(key: string): Promise<ReconcileResult | void> {
    const entry = this.jobs.get(key);
    if (!entry || entry.deleted || this.closed) return;
    const job = entry.job;
    let recheck: Recheck;
    try {
      const samples = this.options.samples(job.datasetKey);
      const holdsDataset = samples !== undefined;
      if (samples !== undefined) {
        this.ingest(entry, samples);
        await this.ensureLayout(entry);
      }
      const latest = latestCondition(job.conditions);
      recheck = latest ? await this.act(entry, latest, stageMark({ conditions: job.conditions, round: job.round }), holdsDataset) : undefined;
    } finally {
      await this.saveState(entry);
    }
    // What was done must be remembered before it counts as done: an unsaved state is retried like a failure.
    if (entry.dirty && !entry.deleted) throw new Error('its state is not saved yet');
    return recheck === undefined ? undefined : { requeueAfterMs: recheck * 1000 };
  }

  private async saveState(entry: JobEntry<J>): Promise<void> {
    if (!entry.dirty || entry.deleted) return;
    try {
      await this.store.save(entry.job.key, entry.state);
      entry.dirty = false;
    } catch (error) {
      this.say(entry, 'state', `job ${entry.job.key}: cannot save its state: ${errorMessage(error)}`);
    }
  }

  /** A reconcile failed (the queue retries it with backoff): the user is told, once per distinct problem. */
  private failed(key: string, error: unknown): void {
    const entry = this.jobs.get(key);
    if (entry) this.say(entry, 'error', `job ${key}: ${errorMessage(error)}`);
  }

  // ---- samples

  private ingest(entry: JobEntry<J>, samples: readonly string[]): void {
    const job = entry.job;
    const info = this.options.datasetInfo?.(job.datasetKey);
    const result = entry.ledger.ingest(samples, job.trainProb, sampleLineCheck(sampleFormat(info?.format), info?.header));
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

  private async ensureLayout(entry: JobEntry<J>): Promise<void> {
    if (entry.layoutReady) return;
    await createOutputLayout(this.paths.local(entry.job.outputDir, 'spec.outputDir'));
    entry.layoutReady = true;
  }

  // ---- the shared stage

  /**
   * Train/Waiting on the dataset's node: evaluates the train trigger on the train samples gathered since the last
   * round; when it fires, writes data/train/<round>/ and sends Train ready (models, data, outputDir).
   */
  protected async trainStage(entry: JobEntry<J>, mark: string): Promise<Recheck> {
    const job = entry.job;
    if (entry.state.handled.train === mark) return undefined;
    const period = job.trainTrigger.checkPeriodSeconds;
    const decision = evaluateTrigger(job.trainTrigger, { num_of_samples: entry.ledger.pendingTrainCount }, this.clock());
    if (decision.condition.problem) this.say(entry, 'train-trigger', `job ${job.key}: train trigger: ${decision.condition.problem}`);
    if (!decision.fire) return period;
    const models = this.trainModels(entry);
    if (models === 'wait') return period;
    const round = entry.state.rounds + 1;
    const lines = entry.state.ledger.pendingTrain;
    const files = await this.writeRound(entry, 'train', round, lines);
    const outputDir = trainOutputDir(job.outputDir, round);
    await mkdir(this.paths.local(outputDir, 'the round output folder'), { recursive: true });
    this.send(job, { phase: 'train', status: 'ready', input: { ...(models.length > 0 ? { models } : {}), ...files, outputDir, numberOfSamples: lines.length, round } });
    entry.ledger.takeTrain();
    entry.state.rounds = round;
    this.handled(entry, 'train', mark);
    this.log(`job ${job.key}: round ${round}: train trigger fired (${decision.reason}); ${lines.length} train samples in ${files.dataURL}`);
    return undefined;
  }

  // ---- helpers

  protected send(job: J, content: StageUpstreamContent): void {
    this.options.send(job.namespace, job.name, content);
  }

  /** Tells the GM the stage cannot go on (it goes back to Train/Waiting) and the user why. */
  protected fail(entry: JobEntry<J>, phase: StagePhase, mark: string, reason: string, action: StageAction = phase): void {
    this.warn(`job ${entry.job.key}: ${phase} stage failed: ${reason}`);
    this.send(entry.job, { phase, status: 'failed', output: { ownerInfo: { reason } } });
    this.handled(entry, action, mark);
  }

  protected handled(entry: JobEntry<J>, action: StageAction, mark: string): void {
    entry.state.handled[action] = mark;
    entry.dirty = true;
  }

  protected say(entry: JobEntry<J>, topic: string, message: string): void {
    if (entry.said.get(topic) === message) return;
    entry.said.set(topic, message);
    this.warn(message);
  }

  protected isDeployNode(job: J): boolean {
    return this.options.nodeName === undefined || job.annotations[ANNOTATION_STAGE_NODE.Deploy] === this.options.nodeName;
  }

  /** Closes the open eval version and writes the round's eval data (the last versions). */
  protected async writeEvalRound(entry: JobEntry<J>, round: number): Promise<{ files: Awaited<ReturnType<typeof writeRoundData>>; samples: number }> {
    const lines = entry.ledger.closeEvalVersion();
    entry.dirty = true;
    if (lines.length === 0) this.say(entry, 'eval-empty', `job ${entry.job.key}: round ${round}: no eval samples yet (dataset.trainProb is ${entry.job.trainProb}); the eval data is empty`);
    return { files: await this.writeRound(entry, 'eval', round, lines), samples: lines.length };
  }

  protected async writeRound(entry: JobEntry<J>, kind: RoundKind, round: number, lines: readonly string[]) {
    const job = entry.job;
    const info = this.options.datasetInfo?.(job.datasetKey);
    const remote = info?.url !== undefined && PathPolicy.isRemote(info.url);
    return writeRoundData(
      {
        outputDir: this.paths.hostPath(job.outputDir, 'spec.outputDir'),
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

  /** The job's saved state (fresh when there is none or it is another job's); `dirty` when it must be saved again. */
  private loadState(job: J): { state: JobState; dirty: boolean } {
    let state: JobState | undefined;
    try {
      state = this.store.load(job.key);
    } catch (error) {
      this.warn(`job ${job.key}: ${errorMessage(error)}; starting from round 0`);
    }
    if (state && job.uid !== undefined && state.uid !== undefined && state.uid !== job.uid) {
      this.warn(`job ${job.key}: the saved state belongs to an earlier job of that name; starting from round 0`);
      state = undefined;
    }
    if (!state) return { state: freshState(job.uid), dirty: false };
    // Marks an LC wrote before the status was bounded: mapped to (round, stage, phase), so nothing is done twice.
    const upgraded = upgradeMarks(state, { conditions: job.conditions, round: job.round });
    if (upgraded.changed) this.log(`job ${job.key}: its saved marks were of the old form; mapped to rounds`);
    return { state: upgraded.state, dirty: upgraded.changed };
  }
}
