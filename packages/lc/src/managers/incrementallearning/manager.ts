/**
 * The LC's incremental learning manager (reference §3.5): it follows each IncrementalLearningJob's stage machine
 * from the job's latest condition and does the node-side part of each stage (the shared parts, the train trigger
 * among them, are in ../stagejob/job-manager.ts).
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
 * The GM does the rest (reference §3.7).
 */
import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { StageCondition } from '@sedna/api';
import { evaluateTrigger } from '../../trigger/index.js';
import {
  deployingModels,
  lastTrainedModels,
  modelInFormat,
  roundEvalInputModels,
  roundEvalResults,
  roundOfCycle,
  roundTrainedModels,
} from '../stagejob/conditions.js';
import { StageJobManager, type JobEntry, type Recheck, type StageJobManagerOptions, type StageJobSummary, type TrainModels } from '../stagejob/job-manager.js';
import { copyModel, publishHotUpdate } from '../stagejob/model-files.js';
import { parseModel } from '../stagejob/objects.js';
import type { UpstreamModel } from '../stagejob/upstream.js';
import { deployStats } from './deploy-stats.js';
import { ANNOTATION_HOT_UPDATE_CONFIG, parseJob, type IlJob, type IlModel } from './job-object.js';

export const INCREMENTAL_LEARNING_KIND = 'incrementallearningjob';

export type { DatasetInfo } from '../stagejob/job-manager.js';
export type IncrementalLearningManagerOptions = StageJobManagerOptions;
export type IncrementalJobSummary = StageJobSummary;

type IlEntry = JobEntry<IlJob>;

export class IncrementalLearningManager extends StageJobManager<IlJob> {
  private readonly models = new Map<string, IlModel>();

  constructor(options: IncrementalLearningManagerOptions) {
    super(options, 'incremental learning', 'incrementallearning');
  }

  protected parseJob(object: unknown): IlJob {
    return parseJob(object);
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

  protected override async jobDeleted(entry: IlEntry): Promise<void> {
    // The original removed the hot-update folder; only the deploy node owns it (nodes may share a disk).
    const config = entry.job.annotations[ANNOTATION_HOT_UPDATE_CONFIG];
    if (config === undefined || !this.isDeployNode(entry.job)) return;
    try {
      await rm(path.dirname(this.paths.local(config, 'hot-update config')), { recursive: true, force: true });
    } catch (error) {
      this.warn(`job ${entry.job.key}: could not remove the hot-update folder: ${(error as Error).message}`);
    }
  }

  protected async act(entry: IlEntry, latest: StageCondition, mark: string, holdsDataset: boolean): Promise<Recheck> {
    // The Waiting stages belong to the node that holds the dataset (the GM sends Waiting jobs there).
    if (latest.type === 'Waiting' && holdsDataset) {
      if (latest.stage === 'Train') return this.trainStage(entry, mark);
      if (latest.stage === 'Eval') return this.evalStage(entry, mark);
      return this.deployStage(entry, mark);
    }
    if (latest.stage === 'Deploy' && latest.type === 'Running' && entry.job.spec.deploySpec.model.hotUpdateEnabled === true) {
      return this.hotUpdateStage(entry, mark);
    }
    return undefined;
  }

  /**
   * A round trains from the last trained model in the initial model's format (later rounds, as the original),
   * else the initial model; it waits for the initial model to reach this node.
   */
  protected trainModels(entry: IlEntry): TrainModels {
    const initial = this.modelNamed(entry, entry.job.spec.initialModel.name, 'spec.initialModel');
    const trained = lastTrainedModels(entry.job.conditions);
    if (!trained) return initial ? [initial.ref] : 'wait';
    if (!initial) return [trained[0] as UpstreamModel];
    return [this.pickFormat(entry, trained, initial.ref.format, 'the base model of the next round')];
  }

  // ---- stages

  private async evalStage(entry: IlEntry, mark: string): Promise<Recheck> {
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
    const { files, samples } = await this.writeEvalRound(entry, round);
    this.send(job, { phase: 'eval', status: 'ready', input: { models: [candidate, compareWith.ref], ...files, numberOfSamples: samples, round } });
    this.handled(entry, 'eval', mark);
    this.log(`job ${job.key}: round ${round}: ${samples} eval samples in ${files.dataURL}`);
    return undefined;
  }

  private async deployStage(entry: IlEntry, mark: string): Promise<Recheck> {
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

  private async hotUpdateStage(entry: IlEntry, mark: string): Promise<Recheck> {
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

  private modelKeysOf(job: IlJob): string[] {
    const names = [job.spec.initialModel.name, job.spec.deploySpec.model.name, job.spec.evalSpec.initialEvalModel?.name].filter((n): n is string => n !== undefined);
    return names.map((name) => `${job.namespace}/${name}`);
  }

  private modelNamed(entry: IlEntry, name: string, field: string): IlModel | undefined {
    const model = this.models.get(`${entry.job.namespace}/${name}`);
    if (!model) this.say(entry, `model-${name}`, `job ${entry.job.key}: waiting for model ${entry.job.namespace}/${name} (${field}) to reach this node`);
    return model;
  }

  private trainedForDeploy(conditions: readonly StageCondition[], format: string): UpstreamModel | undefined {
    const round = roundTrainedModels(conditions);
    return (round && modelInFormat(round, format)) ?? roundEvalInputModels(conditions)?.[0] ?? round?.[0];
  }

  private pickFormat(entry: IlEntry, models: readonly UpstreamModel[], format: string, what: string): UpstreamModel {
    const match = modelInFormat(models, format);
    if (match) return match;
    const first = models[0] as UpstreamModel;
    this.say(entry, `format-${what}`, `job ${entry.job.key}: no trained model in format "${format}" for ${what} (got ${models.map((m) => m.format || '?').join(', ')}); using ${first.url}`);
    return first;
  }

  private async copyOver(from: UpstreamModel, to: UpstreamModel, what: string): Promise<void> {
    await copyModel(this.paths.local(from.url, 'the trained model'), this.paths.local(to.url, what));
  }
}

function metricsOf(model: UpstreamModel): Record<string, unknown> {
  const metrics = model.metrics;
  return metrics !== null && typeof metrics === 'object' && !Array.isArray(metrics) ? metrics : {};
}
