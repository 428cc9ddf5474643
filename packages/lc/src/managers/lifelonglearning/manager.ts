/**
 * The LC's lifelong learning manager (reference §3.5, "LifelongLearning manager"): the incremental learning
 * skeleton (../stagejob/job-manager.ts) with the lifelong differences of the original.
 *
 *   Train/Waiting   (dataset node) the train trigger on the samples gathered since the last round; when it fires,
 *                   data/train/<round>/data.{txt,csv} and Train ready with no models (the knowledge base holds
 *                   them; the GM gives the train worker CLOUD_KB_INDEX after the initial training)
 *   Eval/Waiting    (dataset node) data/eval/<round>/ (the last eval versions) and Eval ready with the models the
 *                   train worker reported (the knowledge base index) and outputDir = <outputDir>/eval/<round>
 *   Deploy/Waiting  (dataset node) copies the index the eval worker reported to <outputDir>/deploy/index.json and
 *                   sends Deploy ready (the GM then restarts the inference worker on it); with no index reported
 *                   it sends Deploy completed, saying why, and the job goes back to Train
 *
 * There is no deploy trigger and no hot update: the eval worker already withdrew the task models that did not
 * pass its threshold from the index it wrote. The original's deployed index was `deploy/index.pkl` (a pickle); ours
 * is JSON, and the GM gives the inference worker that path.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { StageCondition } from '@sedna/api';
import { roundEvalResults, roundOfCycle, roundTrainedModels } from '../stagejob/conditions.js';
import { StageJobManager, type JobEntry, type Recheck, type StageJobManagerOptions, type TrainModels } from '../stagejob/job-manager.js';
import { copyModel } from '../stagejob/model-files.js';
import type { UpstreamModel } from '../stagejob/upstream.js';
import { parseLifelongJob, type LlJob } from './job-object.js';

export const LIFELONG_LEARNING_KIND = 'lifelonglearningjob';

/** The deployed knowledge base index under the job's outputDir (host path). */
export function deployIndexPath(outputDir: string): string {
  return path.posix.join(outputDir, 'deploy', 'index.json');
}

/** The eval worker's output folder of a round (host path). */
export function evalOutputDir(outputDir: string, round: number): string {
  return path.posix.join(outputDir, 'eval', String(round));
}

type LlEntry = JobEntry<LlJob>;

export class LifelongLearningManager extends StageJobManager<LlJob> {
  constructor(options: StageJobManagerOptions) {
    super(options, 'lifelong learning', 'lifelonglearning');
  }

  protected parseJob(object: unknown): LlJob {
    return parseLifelongJob(object);
  }

  /** The train worker finds the models in the knowledge base: Train ready carries none, as the original. */
  protected trainModels(): TrainModels {
    return [];
  }

  protected async act(entry: LlEntry, latest: StageCondition, mark: string, holdsDataset: boolean): Promise<Recheck> {
    // Every stage's node-side work is on the node that holds the dataset (the GM sends Waiting jobs there).
    if (latest.type !== 'Waiting' || !holdsDataset) return undefined;
    if (latest.stage === 'Train') return this.trainStage(entry, mark);
    if (latest.stage === 'Eval') return this.evalStage(entry, mark);
    return this.deployStage(entry, mark);
  }

  private async evalStage(entry: LlEntry, mark: string): Promise<Recheck> {
    const job = entry.job;
    if (entry.state.handled.eval === mark) return undefined;
    const trained = roundTrainedModels(job.conditions);
    if (!trained) {
      this.fail(entry, 'eval', mark, 'the train stage of this round reported no knowledge base index (no Train/Completed condition with output models after the last Train/Ready)');
      return undefined;
    }
    const round = roundOfCycle(job.conditions) ?? Math.max(1, entry.state.rounds);
    const { files, samples } = await this.writeEvalRound(entry, round);
    const outputDir = evalOutputDir(job.outputDir, round);
    await mkdir(this.paths.local(outputDir, 'the round output folder'), { recursive: true });
    this.send(job, { phase: 'eval', status: 'ready', input: { models: trained, ...files, outputDir, numberOfSamples: samples, round } });
    this.handled(entry, 'eval', mark);
    this.log(`job ${job.key}: round ${round}: ${samples} eval samples in ${files.dataURL}`);
    return undefined;
  }

  private async deployStage(entry: LlEntry, mark: string): Promise<Recheck> {
    const job = entry.job;
    if (entry.state.handled.deploy === mark) return undefined;
    const evaluated = roundEvalResults(job.conditions)?.[0];
    if (!evaluated) {
      const reason = 'the eval stage of this round reported no knowledge base index';
      this.send(job, { phase: 'deploy', status: 'completed', output: { ownerInfo: { deployed: false, reason } } });
      this.handled(entry, 'deploy', mark);
      this.say(entry, 'deploy', `job ${job.key}: nothing deployed: ${reason}`);
      return undefined;
    }
    const target: UpstreamModel = { format: 'json', url: deployIndexPath(job.outputDir) };
    try {
      await copyModel(this.paths.local(evaluated.url, 'the evaluated index'), this.paths.local(target.url, 'spec.outputDir'));
    } catch (error) {
      this.fail(entry, 'deploy', mark, `copying the knowledge base index failed: ${(error as Error).message}`);
      return undefined;
    }
    this.send(job, { phase: 'deploy', status: 'ready', input: { models: [evaluated, target] } });
    this.handled(entry, 'deploy', mark);
    this.log(`job ${job.key}: deploying the knowledge base index ${evaluated.url} as ${target.url}`);
    return undefined;
  }
}
