/**
 * `npm run bench -- incremental_learning`: one round of the incremental learning example
 * (examples/incremental_learning/fashion_mnist, its YAML as it is: train trigger `num_of_samples > 1500`, hot
 * update on) on the all-in-one control plane (`sedna up`: API server, GM, one LC per node, each a process), with
 * the example's real workers and labeller, while a steady request load runs against the inference worker. Measures:
 *
 * - trigger_to_train_start_ms: the labeller's append that takes the job's num_of_samples over the threshold (the
 *   dataset file's mtime at that append) until the train worker's process starts (the mtime of the pid file the
 *   LC's process wrapper writes first thing, before it runs the worker program);
 * - hot_update_ms: the LC's deploy decision (the earlier of its "deploying" log line reaching this process and the
 *   API's Deploy/Ready condition reaching a watch) until the inference worker first answers a request with the new
 *   model (its answers name the model version);
 * - requests_lost_during_swap: requests of the load (open loop, --rate per second, one held-out site image each)
 *   sent from the deploy decision until 2 s after that first new answer that got no 200 answer within 5 s;
 * - acc_before, acc_after: accuracy on the 2,000 held-out images of the shifted site (never trained on) of the model
 *   the inference worker served before, and of the one it serves after the hot update;
 * - acc_original_before, acc_original_after, forgetting_points: the same two models on the same images unshifted
 *   (the original distribution): what the update forgets;
 * - trigger_to_worker_ready_ms: from the same crossing append to the train worker's own first log line (the worker
 *   reads the round's samples, then says how many it read and what it trains from).
 * The two trigger figures are also measured over `--rounds` first rounds (default 5): after the first job's round,
 * the job is deleted and the example's job is applied again as a job of its own (its own dataset, hard examples and
 * output), with the same load and labeller, until its train worker's first line (repeats.ts); the JSON has their
 * median and IQR (`trigger_to_worker_ready_ms_median`, `_iqr`, ...) and each round's figures; the unsuffixed figures
 * are the first round's.
 *
 * Progress goes to stderr; the last line on stdout is one JSON object.
 *   npm run bench -- incremental_learning [--prepared DIR] [--rate 100] [--label-rate 150] [--timeout 240] [--rounds 5] [--keep]
 * The example's data (base model trained on the Fashion-MNIST training set, the shifted site) is prepared once
 * into --prepared (default /tmp/sedna-bench-il/prepared, about 35 s) and reused; every run works in a fresh
 * temporary folder, removed at the end (kept with --keep).
 */
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as k8s from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { KubeClient } from '@sedna/gm';
import { up, type UpHandle } from '../../packages/cli/src/commands/up.js';
import { stopPodProcesses } from '../../packages/cli/test/pod-processes.js';
import { evaluateClassifier, OnnxEstimator, readImageSet, resolveModelPath, type Tensor } from '../../examples/incremental_learning/fashion_mnist/lib.js';
import { DEFAULTS } from '../../examples/incremental_learning/fashion_mnist/model.js';
import { workPaths } from '../../examples/incremental_learning/fashion_mnist/paths.js';
import { prepare } from '../../examples/incremental_learning/fashion_mnist/prepare.js';
import { LoadGenerator, probe, type RequestOutcome } from './load.js';
import { DatasetAppends, findPodDir, firstTimedLogLine, JobConditions, Lines, Pods } from './observe.js';
import { TrainWorkerWatch, triggerFigures, type TriggerCondition } from './trigger.js';
import { removeJob, repeatRound, startLabeller, until, type RepeatContext } from './repeats.js';
import { figure, spread } from '../common/stats.js';
import { freePort, stopChild } from '../../test-kit/index.js';
import { ensureWorkersBuilt } from '../../examples/common/worker-build.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const exampleDir = join(root, 'examples/incremental_learning/fashion_mnist');
const NAMESPACE = 'default';
const JOB = 'fashion-mnist-demo';
const NODE = 'edge-node-1';
/** A request not answered within this long is lost. */
const REQUEST_TIMEOUT_MS = 5000;
/** The swap window ends this long after the first answer of the new model. */
const AFTER_SWAP_MS = 2000;

const { values } = parseArgs({
  options: {
    prepared: { type: 'string', default: '/tmp/sedna-bench-il/prepared' },
    rate: { type: 'string', default: '100' },
    'label-rate': { type: 'string', default: '150' },
    timeout: { type: 'string', default: '240' },
    rounds: { type: 'string', default: '5' },
    keep: { type: 'boolean', default: false },
  },
});
const started = Date.now();
const log = (m: string): void => void process.stderr.write(`[incremental_learning bench] ${((Date.now() - started) / 1000).toFixed(1).padStart(6)} s  ${m}\n`);
const rate = Number(values.rate);
const labelRate = Number(values['label-rate']);
const timeoutMs = Number(values.timeout) * 1000;
const rounds = Number(values.rounds);
for (const [name, value] of [['rate', rate], ['label-rate', labelRate], ['timeout', timeoutMs]] as const) {
  if (!(value > 0)) throw new Error(`--${name} must be a positive number`);
}
if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`--rounds must be a whole number of at least 1, got ${JSON.stringify(values.rounds)}`);

// Everything the run opens, closed in reverse order also on failure or Ctrl-C.
const cleanups: (() => Promise<void> | void)[] = [];
let cleaning: Promise<void> | undefined;
function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    for (const step of cleanups.reverse()) {
      try {
        await step();
      } catch (error) {
        log(`cleanup: ${(error as Error).message}`);
      }
    }
  })();
  return cleaning;
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    log(`${signal}: stopping`);
    void cleanup().then(() => process.exit(130));
  });
}

try {
  const result = await run();
  await cleanup();
  // A round that did not deploy still prints what it measured, and fails the command.
  console.log(JSON.stringify(result));
  if (result.outcome !== 'deployed') process.exit(1);
} catch (error) {
  // After Ctrl-C the run fails as its parts are stopped under it: that is no news.
  if (!cleaning) log(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  await cleanup();
  process.exit(1);
}

async function run(): Promise<Record<string, unknown> & { outcome: string }> {
  if (!existsSync(join(root, 'packages/cli/dist/main.js'))) throw new Error('sedna up runs the built CLI: run `npm run build` first');
  ensureWorkersBuilt(exampleDir, log);

  // --- the example's data, once; a fresh work folder for this run
  const prepared = await prepare({ work: resolve(values.prepared!), frames: DEFAULTS.frames, holdout: DEFAULTS.holdout, baseSamples: DEFAULTS.baseSamples, baseEpochs: DEFAULTS.baseEpochs, log });
  const work = await mkdtemp(join(tmpdir(), 'sedna-bench-il-'));
  const dataDir = join(work, 'control-plane');
  // Retries: a worker the control plane is still stopping may write into the folder (hard examples) a moment longer.
  cleanups.push(() => (values.keep ? log(`kept ${work}`) : rm(work, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 })));
  const w = workPaths(work);
  // The site (camera frames, held-out images, ground truth) is only read: shared with the preparation.
  await symlink(dirname(prepared.framesDir), join(work, 'site'));
  await mkdir(dirname(w.baseModel), { recursive: true });
  for (const file of ['model.json', 'weights.bin']) await copyFile(join(dirname(prepared.baseModel), file), join(dirname(w.baseModel), file));
  await mkdir(dirname(w.deployModel), { recursive: true });
  await copyFile(prepared.baseOnnx, w.deployModel);
  await mkdir(w.datasetImages, { recursive: true });
  await writeFile(w.dataset, '');

  // --- the held-out site images: the request load, and the accuracy of the models
  const holdout = await readImageSet(w.holdoutIndex, { dataType: 'eval', normalize: false });
  const count = holdout.y.length;
  const images = Array.from({ length: count }, (_, k) => Uint8Array.from(holdout.x.data.subarray(k * 784, (k + 1) * 784)));
  const normalized: Tensor = { data: Float32Array.from(holdout.x.data, (v) => v / 255), shape: [count, 784] };
  const accuracy = async (model: string): Promise<number> => {
    const estimator = new OnnxEstimator();
    await estimator.load(model);
    const report = await evaluateClassifier(estimator, normalized, holdout.y);
    estimator.dispose();
    return report.accuracy;
  };
  const accBefore = await accuracy(w.deployModel);
  log(`the deployed (base) model: ${pct(accBefore)} on the ${count} held-out site images`);
  // The same held-out images as they are (the original distribution the base model learnt): what the update forgets.
  const original = await readImageSet(w.originalIndex, { dataType: 'eval', normalize: false });
  const originalX: Tensor = { data: Float32Array.from(original.x.data, (v) => v / 255), shape: [original.y.length, 784] };
  const originalAccuracy = async (model: string): Promise<number> => {
    const estimator = new OnnxEstimator();
    await estimator.load(model);
    const report = await evaluateClassifier(estimator, originalX, original.y);
    estimator.dispose();
    return report.accuracy;
  };
  const accOriginalBefore = await originalAccuracy(w.deployModel);
  log(`the deployed (base) model: ${pct(accOriginalBefore)} on the same ${original.y.length} images unshifted (the original distribution)`);

  // --- the control plane
  const lines = new Lines();
  log(`sedna up in ${dataDir}`);
  const handle: UpHandle = await up({
    dataDir,
    edgeNodes: 1,
    apiPort: 0,
    hubPort: 0,
    datasetRoots: [work],
    log: (line) => {
      lines.add(line);
      if (/job default\/|error|warn|fail/i.test(line) && !/new train and .* new eval samples/.test(line)) log(line);
    },
  });
  // Workers outlive their LC on purpose (a restarted LC adopts them): the run ends them before the control plane
  // stops, and once more after it (cleanups run last first), for the LC may restart one meanwhile.
  cleanups.push(() => stopPodProcesses(dataDir));
  cleanups.push(() => handle.stop());
  cleanups.push(() => stopPodProcesses(dataDir));
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(handle.kubeconfig);
  const client = new KubeClient(kc);
  cleanups.push(() => client.close());
  const conditions = new JobConditions(kc, NAMESPACE, JOB);
  const pods = new Pods(kc, NAMESPACE);
  await conditions.start();
  await pods.start();
  cleanups.push(() => conditions.stop(), () => pods.stop());

  // --- the example's objects, from its YAML; the inference worker also answers HTTP for the load
  const port = await freePort();
  const yaml = (await readFile(join(exampleDir, 'incremental_learning.yaml'), 'utf8')).replaceAll('$DATA_DIR', work).replaceAll('$WORKER_NODE', NODE).replaceAll('$REPO_DIR', root);
  const objects = parseAllDocuments(yaml).map((doc) => doc.toJS() as { apiVersion: string; kind: string; metadata: { name: string }; spec: Record<string, unknown> });
  const job = objects.find((o) => o.kind === 'IncrementalLearningJob');
  if (!job) throw new Error('incremental_learning.yaml has no IncrementalLearningJob');
  const spec = job.spec as unknown as JobSpec;
  const container = spec.deploySpec.template.spec.containers[0];
  if (!container) throw new Error('the deploy template has no container');
  container.env = [...(container.env ?? []), { name: 'INFERENCE_PORT', value: String(port) }];
  for (const object of objects) await client.createManifest({ apiVersion: object.apiVersion, kind: object.kind, metadata: { ...object.metadata, namespace: NAMESPACE }, spec: object.spec });
  log(`applied the example's Dataset, Models and IncrementalLearningJob (train trigger ${spec.trainSpec.trigger.condition.metric} ${spec.trainSpec.trigger.condition.operator} ${spec.trainSpec.trigger.condition.threshold}, trainProb ${spec.dataset.trainProb})`);

  // --- the inference worker answering, then the load and the labeller
  await until('the inference worker to answer on HTTP', async () => ((await probe(port, images[0] as Uint8Array)) ? true : undefined), 120_000, () => checks(handle, conditions, pods));
  log(`the inference worker answers on 127.0.0.1:${port}; load: ${rate} requests/s`);
  const load = new LoadGenerator({ port, rate, images, labels: holdout.y, timeoutMs: REQUEST_TIMEOUT_MS });
  load.start();
  let loadStopped = false;
  const stopLoad = async (): Promise<void> => {
    if (loadStopped) return;
    loadStopped = true;
    await load.stop();
  };
  cleanups.push(stopLoad);
  const appends = new DatasetAppends(w.dataset);
  appends.start();
  cleanups.push(() => appends.stop());
  const labeller = startLabeller({ exampleDir, root, work, lines, labelRate }, w.hardExamples, w.dataset);
  cleanups.push(() => stopChild(labeller));

  // --- the round: until the deploy stage ends
  const deadline = Date.now() + timeoutMs;
  const trainWorker = new TrainWorkerWatch(pods, JOB, join(dataDir, 'nodes'), NAMESPACE, log);
  let outcome: 'deployed' | 'not deployed' | 'failed' | 'timed out' = 'timed out';
  for (;;) {
    checks(handle, conditions, pods);
    await trainWorker.poll(conditions.find('Train', 'Completed') !== undefined);
    const failed = conditions.seen.find((c) => c.type === 'Failed');
    if (failed) {
      outcome = 'failed';
      log(`${failed.stage} failed: ${failed.message ?? ''}`);
      break;
    }
    const deployed = conditions.find('Deploy', 'Completed');
    if (deployed) {
      outcome = conditions.find('Deploy', 'Ready') ? 'deployed' : 'not deployed';
      break;
    }
    if (Date.now() > deadline) break;
    await sleep(20);
  }
  log(`round 1: ${outcome}`);

  // --- the load keeps going until the new model has answered, and a while after
  const firstNew = (): RequestOutcome | undefined => load.outcomes.filter((o) => o.ok && o.modelVersion !== 'initial').sort((a, b) => a.doneAt - b.doneAt)[0];
  if (outcome === 'deployed') {
    const swapped = await until('an answer of the new model', () => firstNew(), 30_000, () => checks(handle, conditions, pods)).catch((error: unknown) => {
      log((error as Error).message);
      return undefined;
    });
    if (swapped) await sleep(Math.max(0, swapped.doneAt + AFTER_SWAP_MS + 500 - Date.now()));
  }
  await stopLoad();
  await stopChild(labeller);
  appends.stop();
  // With --keep, the raw observations stay next to the run's files for a closer look.
  if (values.keep) await writeFile(join(work, 'observations.json'), JSON.stringify({ outcomes: load.outcomes, pauses: load.pauses, appends: appends.appends, conditions: conditions.seen, lines: lines.lines }));

  // --- the trigger: which append crossed the threshold, and when the train worker started
  const triggerCondition = spec.trainSpec.trigger.condition;
  const triggerFirst = triggerFigures({ job: JOB, condition: triggerCondition, trainProb: spec.dataset.trainProb, appends, lines, conditions, worker: trainWorker, labelRate, log });
  const since = (t0: number | undefined, t: number | undefined): number | null => (t0 === undefined || t === undefined ? null : Math.round(t - t0));

  // --- the hot update: from the deploy decision to the first answer of the new model
  const deployReady = conditions.find('Deploy', 'Ready');
  const decisionLine = lines.first(/: deploying /);
  const decisionAt = [decisionLine?.at, deployReady?.seenAt].filter((t): t is number => t !== undefined).sort((a, b) => a - b)[0];
  const newAnswer = firstNew();
  const inferencePod = pods.ofType('inference')[0];
  const inferencePodDir = inferencePod ? await findPodDir(join(dataDir, 'nodes'), NAMESPACE, inferencePod.name, inferencePod.uid) : undefined;
  const swapLine = inferencePodDir ? await firstTimedLogLine(inferencePodDir, /hot update: now serving/) : undefined;
  const configFile = join(spec.outputDir, 'model-hot-update', 'model_config.json');
  const configWrittenAt = existsSync(configFile) ? (await stat(configFile)).mtimeMs : undefined;
  const hotFigures = {
    decision_source: decisionAt === undefined ? null : decisionAt === decisionLine?.at ? 'the LC log line "deploying"' : 'the Deploy/Ready condition seen by a watch',
    // Each from the deploy decision, in ms.
    deploy_ready_seen_ms: since(decisionAt, deployReady?.seenAt),
    deploy_starting_seen_ms: since(decisionAt, conditions.find('Deploy', 'Starting')?.seenAt),
    deploy_running_seen_ms: since(decisionAt, conditions.find('Deploy', 'Running')?.seenAt),
    lc_published_line_seen_ms: since(decisionAt, lines.first(/hot update .* published as/)?.at),
    config_written_ms: since(decisionAt, configWrittenAt),
    worker_swapped_log_line_ms: since(decisionAt, swapLine?.at),
    first_new_answer_ms: since(decisionAt, newAnswer?.doneAt),
    deploy_completed_seen_ms: since(decisionAt, conditions.find('Deploy', 'Completed')?.seenAt),
  };

  // --- the load around the swap
  const outcomes = load.outcomes;
  const windowStart = decisionAt;
  const windowEnd = newAnswer ? newAnswer.doneAt + AFTER_SWAP_MS : Number.POSITIVE_INFINITY;
  const inWindow = windowStart === undefined ? [] : outcomes.filter((o) => o.sentAt >= windowStart && o.sentAt <= windowEnd);
  const before = outcomes.filter((o) => windowStart !== undefined && o.sentAt < windowStart);
  const lost = (os: RequestOutcome[]): number => os.filter((o) => !o.ok).length;
  const latency = (os: RequestOutcome[], p: number): number | null => {
    const ms = os.filter((o) => o.ok).map((o) => o.doneAt - o.sentAt).sort((a, b) => a - b);
    return ms.length === 0 ? null : (ms[Math.min(ms.length - 1, Math.floor(ms.length * p))] as number);
  };
  const errors = [...new Set(outcomes.filter((o) => !o.ok).map((o) => o.error))];
  const liveAccuracy = (os: RequestOutcome[]): number | null => (os.length === 0 ? null : round4(os.filter((o) => o.correct).length / os.length));
  const answered = outcomes.filter((o) => o.ok);

  // --- the model the worker serves now, on the held-out site images
  let accAfter = accBefore;
  let accOriginalAfter = accOriginalBefore;
  let servedModel = w.deployModel;
  if (existsSync(configFile)) {
    const config = JSON.parse(await readFile(configFile, 'utf8')) as { model_config: { model_path: string } };
    servedModel = resolveModelPath(config.model_config.model_path, configFile, existsSync);
    accAfter = await accuracy(servedModel);
    accOriginalAfter = await originalAccuracy(servedModel);
  }
  const evalCompleted = conditions.find('Eval', 'Completed');
  const evalModels = evalCompleted?.data ? (JSON.parse(evalCompleted.data) as { output?: { models?: { metrics?: { accuracy?: number } }[] } }).output?.models : undefined;
  const countLines = async (file: string): Promise<number | null> => (existsSync(file) ? (await readFile(file, 'utf8')).split('\n').filter((l) => l.trim() !== '').length : null);

  const result = {
    trigger_to_train_start_ms: triggerFirst.trigger_to_train_start_ms,
    hot_update_ms: since(decisionAt, newAnswer?.doneAt),
    requests_lost_during_swap: windowStart === undefined ? null : lost(inWindow),
    acc_before: round4(accBefore),
    acc_after: round4(accAfter),
    acc_gain_points: Math.round((accAfter - accBefore) * 1000) / 10,
    // The original distribution (the held-out images unshifted): before and after the update, and what it forgot.
    acc_original_before: round4(accOriginalBefore),
    acc_original_after: round4(accOriginalAfter),
    forgetting_points: Math.round((accOriginalBefore - accOriginalAfter) * 1000) / 10,
    // From the crossing append to the train worker's own first log line (its first line of work).
    trigger_to_worker_ready_ms: triggerFirst.trigger_to_worker_ready_ms,
    targets: { trigger_to_train_start_ms_median: '< 2000', trigger_to_worker_ready_ms_median: '< 2000', hot_update_ms: '< 1000', requests_lost_during_swap: 0, acc_gain_points: '>= 5', forgetting_points: '<= 1' },
    outcome,
    trigger: triggerFirst,
    hot_update: hotFigures,
    load: {
      rate_per_s: rate,
      requests: outcomes.length,
      lost_total: lost(outcomes),
      requests_during_swap: inWindow.length,
      swap_window_ms: windowStart === undefined ? null : Math.round((Number.isFinite(windowEnd) ? windowEnd : Date.now()) - windowStart),
      latency_ms_before_swap: { p50: latency(before, 0.5), p99: latency(before, 0.99) },
      latency_ms_during_swap: { p50: latency(inWindow, 0.5), p99: latency(inWindow, 0.99), max: latency(inWindow, 1) },
      errors,
      // The longest pause of the bench's own event loop in the swap window (answers are timed by it).
      bench_pause_max_ms_during_swap: windowStart === undefined ? null : Math.max(0, ...load.pauses.filter((p) => p.at >= windowStart && p.at - p.ms <= windowEnd).map((p) => p.ms)),
      live_acc_initial_model: liveAccuracy(answered.filter((o) => o.modelVersion === 'initial')),
      live_acc_new_model: liveAccuracy(answered.filter((o) => o.modelVersion !== 'initial')),
    },
    round: {
      train_samples: await countLines(join(spec.outputDir, 'data', 'train', '1', 'data.txt')),
      eval_samples: await countLines(join(spec.outputDir, 'data', 'eval', '1', 'data.txt')),
      eval_acc_new: round4(evalModels?.[0]?.metrics?.accuracy),
      eval_acc_old: round4(evalModels?.[1]?.metrics?.accuracy),
      served_model: servedModel.startsWith(work) ? servedModel.slice(work.length + 1) : servedModel,
    },
    inference_worker_restarts: inferencePod?.object.status?.containerStatuses?.[0]?.restartCount ?? null,
    conditions: conditions.seen.map((c) => `${c.stage}/${c.type}`),
    seconds: Math.round((Date.now() - started) / 1000),
  };
  log(`round 1: trigger -> train process ${result.trigger_to_train_start_ms} ms, -> the worker's first line ${result.trigger_to_worker_ready_ms} ms; original distribution ${pct(accOriginalBefore)} -> ${pct(accOriginalAfter)}; hot update ${result.hot_update_ms} ms; ${result.requests_lost_during_swap} of ${inWindow.length} requests lost during the swap; site accuracy ${pct(accBefore)} -> ${pct(accAfter)}`);

  // --- the trigger again: more first rounds, each a job of its own (repeats.ts), after the first job is gone
  const triggerRounds: Record<string, unknown>[] = [triggerFirst];
  if (rounds > 1 && outcome === 'deployed') {
    const datasetObject = objects.find((o) => o.kind === 'Dataset');
    const deployModel = objects.find((o) => o.kind === 'Model' && o.metadata.name === spec.deploySpec.model.name);
    if (!datasetObject || !deployModel) throw new Error('incremental_learning.yaml has no Dataset or no deploy Model');
    const check = (): void => checks(handle, conditions, pods);
    // The first job goes (it would train its second round meanwhile); its Dataset and Models may stay.
    await removeJob({ client, namespace: NAMESPACE, check }, JOB, []);
    conditions.stop();
    const context: RepeatContext = {
      kc, client, pods, lines, namespace: NAMESPACE, work, nodesDir: join(dataDir, 'nodes'), exampleDir, root, dataset: datasetObject, deployModel, job, baseOnnx: prepared.baseOnnx,
      load: { rate, images, labels: holdout.y, timeoutMs: REQUEST_TIMEOUT_MS }, labelRate, timeoutMs, log, check: () => checks(handle, undefined, pods),
    };
    for (let k = 2; k <= rounds; k++) triggerRounds.push(await repeatRound(context, k));
  }
  const ready = triggerRounds.map((r) => r.trigger_to_worker_ready_ms);
  const start = triggerRounds.map((r) => r.trigger_to_train_start_ms);
  const complete = ready.every((v): v is number => typeof v === 'number') && start.every((v): v is number => typeof v === 'number');
  const withRounds = {
    ...result,
    // Over every round (the first and the repeats): null when a round missed a step.
    ...(complete ? figure('trigger_to_worker_ready_ms', ready, 0) : { trigger_to_worker_ready_ms_median: null, trigger_to_worker_ready_ms_iqr: null }),
    ...(complete ? figure('trigger_to_train_start_ms', start, 0) : { trigger_to_train_start_ms_median: null, trigger_to_train_start_ms_iqr: null }),
    trigger_rounds: triggerRounds.length,
    trigger_per_round: triggerRounds,
    seconds: Math.round((Date.now() - started) / 1000),
  };
  if (rounds > 1 && complete) {
    const s = spread(ready as number[]);
    log(`trigger -> the worker's first line over ${triggerRounds.length} rounds: median ${Math.round(s.median)} ms, IQR ${Math.round(s.iqr)} ms (${ready.join(', ')})`);
  }
  return withRounds;
}

// --- helpers

interface JobSpec {
  dataset: { trainProb: number };
  outputDir: string;
  trainSpec: { trigger: { condition: TriggerCondition } };
  deploySpec: { model: { name: string }; template: { spec: { containers: { env?: { name: string; value: string }[] }[] } } };
}

/** Throws when a part the figures depend on has stopped: a control-plane process or a watch. */
function checks(handle: UpHandle, conditions: JobConditions | undefined, pods: Pods): void {
  const dead = handle.children.find((c) => c.exitCode !== null || c.signalCode !== null);
  if (dead) throw new Error(`a control-plane process exited (${dead.signalCode ?? dead.exitCode}): ${dead.spawnargs.slice(2, 4).join(' ')}`);
  conditions?.check();
  pods.check();
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function round4(value: number | undefined): number | null {
  return value === undefined || Number.isNaN(value) ? null : Math.round(value * 10000) / 10000;
}

function pct(value: number): string {
  return `${(value * 100).toFixed(1)} %`;
}
