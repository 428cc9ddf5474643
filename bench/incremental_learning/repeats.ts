/**
 * Repeat rounds of the trigger measurement (`--rounds N`): N - 1 more first rounds of the example's job, each a job
 * of its own applied from the same YAML (its own Dataset file, hard examples folder and output folder, and its own
 * deploy Model, a fresh copy of the base model: a deploy writes the new model over the deploy Model's file), with the same request load on its inference worker and the same labeller, measured from the append that
 * takes its train samples over the threshold to its train worker's first log line (trigger.ts), then deleted.
 *
 * Why not the job's own later rounds: its inference worker saves hard examples on the first pass over the camera's
 * 8,000 frames only (about 5,000 with the base model), enough for two rounds of 1,500 train samples; and a later
 * round's trigger fires when the job comes back to Train/Waiting, with the threshold long crossed, which is another
 * figure (the stage machine's turn-around, not the trigger).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type * as k8s from '@kubernetes/client-node';
import type { KubeClient } from '@sedna/gm';
import { waitUntil } from '@sedna/api/runtime';
import { freePort, stopChild } from '../../test-kit/index.js';
import { LoadGenerator, probe } from './load.js';
import { DatasetAppends, JobConditions, type Lines, type Pods } from './observe.js';
import { TrainWorkerWatch, triggerFigures, type TriggerCondition } from './trigger.js';

export interface ManifestObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  spec: Record<string, unknown>;
}

export interface RepeatContext {
  kc: k8s.KubeConfig;
  client: KubeClient;
  pods: Pods;
  lines: Lines;
  namespace: string;
  /** The run's work folder (the site's frames and ground truth are in it). */
  work: string;
  /** The LC nodes' folder of the control plane (pod folders are found under it). */
  nodesDir: string;
  exampleDir: string;
  root: string;
  /** The example's Dataset, deploy Model and IncrementalLearningJob, placeholders filled in, as the first round applied them. */
  dataset: ManifestObject;
  deployModel: ManifestObject;
  job: ManifestObject;
  /** The base model in ONNX (what the first round's deploy Model file started as). */
  baseOnnx: string;
  load: { rate: number; images: Uint8Array[]; labels: Int32Array; timeoutMs: number };
  labelRate: number;
  timeoutMs: number;
  log: (line: string) => void;
  /** Throws when a part the figures depend on has stopped. */
  check: () => void;
}

interface JobSpecShape {
  dataset: { name: string; trainProb: number };
  outputDir: string;
  deploySpec: { model: { name: string }; template: { spec: { containers: { env?: { name: string; value: string }[] }[] } } };
  trainSpec: { trigger: { condition: TriggerCondition } };
}

/** One repeat round (`round` >= 2): its trigger figures, as the first round's. */
export async function repeatRound(ctx: RepeatContext, round: number): Promise<Record<string, unknown> & { trigger_to_worker_ready_ms: number | null }> {
  const jobName = `${ctx.job.metadata.name}-r${round}`;
  const datasetName = `${ctx.dataset.metadata.name}-r${round}`;
  const modelName = `${ctx.deployModel.metadata.name}-r${round}`;
  const dir = join(ctx.work, 'repeats', `r${round}`);
  const datasetFile = join(dir, 'dataset', 'train_data.txt');
  const modelFile = join(dir, 'models', 'deploy', 'model.onnx');
  const heDir = join(dir, 'he');
  await mkdir(join(dir, 'dataset', 'images'), { recursive: true });
  await mkdir(join(dir, 'infer'), { recursive: true });
  await mkdir(dirname(modelFile), { recursive: true });
  await copyFile(ctx.baseOnnx, modelFile);
  await writeFile(datasetFile, '');
  const port = await freePort();

  const spec = structuredClone(ctx.job.spec) as unknown as JobSpecShape;
  spec.dataset.name = datasetName;
  spec.deploySpec.model.name = modelName;
  spec.outputDir = join(dir, 'output');
  const container = spec.deploySpec.template.spec.containers[0];
  if (!container) throw new Error('the deploy template has no container');
  const own: Record<string, string> = { HE_SAVED_URL: heDir, RESULTS_URL: join(dir, 'infer', 'results.txt'), INFERENCE_PORT: String(port) };
  container.env = [...(container.env ?? []).filter((e) => !(e.name in own)), ...Object.entries(own).map(([name, value]) => ({ name, value }))];

  const cleanups: (() => Promise<void> | void)[] = [];
  try {
    const conditions = new JobConditions(ctx.kc, ctx.namespace, jobName);
    await conditions.start();
    cleanups.push(() => conditions.stop());
    await ctx.client.createManifest({ apiVersion: ctx.dataset.apiVersion, kind: ctx.dataset.kind, metadata: { name: datasetName, namespace: ctx.namespace }, spec: { ...ctx.dataset.spec, url: datasetFile } });
    await ctx.client.createManifest({ apiVersion: ctx.deployModel.apiVersion, kind: ctx.deployModel.kind, metadata: { name: modelName, namespace: ctx.namespace }, spec: { ...ctx.deployModel.spec, url: modelFile } });
    await ctx.client.createManifest({ apiVersion: ctx.job.apiVersion, kind: ctx.job.kind, metadata: { name: jobName, namespace: ctx.namespace }, spec: spec as unknown as Record<string, unknown> });
    cleanups.push(() => removeJob(ctx, jobName, [{ kind: 'Dataset', name: datasetName }, { kind: 'Model', name: modelName }]));
    ctx.log(`round ${round}: applied ${jobName} (its own dataset, hard examples and output folders)`);

    const guard = (): void => {
      ctx.check();
      conditions.check();
      const failed = conditions.seen.find((c) => c.type === 'Failed');
      if (failed) throw new Error(`${failed.stage} failed: ${failed.message ?? ''}`);
    };
    await until(`round ${round}: the inference worker to answer on HTTP`, async () => ((await probe(port, ctx.load.images[0] as Uint8Array)) ? true : undefined), 120_000, guard);
    const load = new LoadGenerator({ port, rate: ctx.load.rate, images: ctx.load.images, labels: ctx.load.labels, timeoutMs: ctx.load.timeoutMs });
    load.start();
    cleanups.push(() => load.stop());
    const appends = new DatasetAppends(datasetFile);
    appends.start();
    cleanups.push(() => appends.stop());
    const labeller = startLabeller(ctx, heDir, datasetFile);
    cleanups.push(() => stopChild(labeller));

    const worker = new TrainWorkerWatch(ctx.pods, jobName, ctx.nodesDir, ctx.namespace, (line) => ctx.log(`round ${round}: ${line}`));
    await until(
      `round ${round}: the train worker's first log line`,
      async () => {
        await worker.poll(true);
        return worker.firstLog;
      },
      ctx.timeoutMs,
      guard,
    );
    // The labeller and the load end before the figures are read, as in the first round.
    await stopChild(labeller);
    await load.stop();
    appends.stop();
    const figures = triggerFigures({ job: jobName, condition: spec.trainSpec.trigger.condition, trainProb: spec.dataset.trainProb, appends, lines: ctx.lines, conditions, worker, labelRate: ctx.labelRate, log: ctx.log });
    ctx.log(`round ${round}: trigger -> train process ${figures.trigger_to_train_start_ms} ms, -> the worker's first line ${figures.trigger_to_worker_ready_ms} ms`);
    return figures;
  } finally {
    for (const step of cleanups.reverse()) await step();
  }
}

/** Deletes a job (its workers with it) and objects of its own, and waits until its workers' Pods are gone. */
export async function removeJob(ctx: Pick<RepeatContext, 'client' | 'namespace' | 'check'>, job: string, own: { kind: 'Dataset' | 'Model'; name: string }[]): Promise<void> {
  await ctx.client.delete('IncrementalLearningJob', ctx.namespace, job).catch(ignoreNotFound);
  for (const object of own) await ctx.client.delete(object.kind, ctx.namespace, object.name).catch(ignoreNotFound);
  const selector = encodeURIComponent(`incrementallearningjob.sedna.io/name=${job}`);
  await until(
    `the Pods of ${job} to be gone`,
    async () => ((await ctx.client.request<{ items: unknown[] }>('GET', `/api/v1/namespaces/${ctx.namespace}/pods?labelSelector=${selector}`)).items.length === 0 ? true : undefined),
    60_000,
    ctx.check,
  );
}

function ignoreNotFound(error: unknown): void {
  if ((error as { statusCode?: number; code?: number }).statusCode === 404 || (error as { code?: number }).code === 404) return;
  throw error;
}

/** The example's labeller (label.ts) on one job's hard examples and dataset. */
export function startLabeller(ctx: Pick<RepeatContext, 'exampleDir' | 'root' | 'work' | 'lines'> & { labelRate: number }, heDir: string, datasetFile: string): ChildProcess {
  const args = ['--import', 'tsx', join(ctx.exampleDir, 'label.ts'), '--he', heDir, '--ground-truth', join(ctx.work, 'site', 'ground_truth.txt'), '--dataset', datasetFile, '--rate', String(ctx.labelRate)];
  const child = spawn(process.execPath, args, { cwd: ctx.root, stdio: ['ignore', 'pipe', 'pipe'] });
  for (const stream of [child.stdout, child.stderr]) stream?.on('data', (chunk: Buffer) => chunk.toString().split('\n').filter(Boolean).forEach((line) => ctx.lines.add(`labeller | ${line}`)));
  return child;
}

/** Waits for `check`; `guard` throws when the run can no longer succeed (a process died), which ends the wait. */
export function until<T>(what: string, check: () => Promise<T | undefined> | T | undefined, timeoutMs: number, guard: () => void): Promise<T> {
  return waitUntil(what, check, {
    timeoutMs,
    intervalMs: 20,
    failed: () => {
      try {
        guard();
        return undefined;
      } catch (error) {
        return (error as Error).message;
      }
    },
  });
}
