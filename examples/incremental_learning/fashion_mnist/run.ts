/**
 * Plays one round of incremental learning at a new site, locally:
 *
 *   node --import tsx examples/incremental_learning/fashion_mnist/run.ts --local
 *
 * 1. prepare.ts: base model trained on the Fashion-MNIST training set; the shifted site (camera frames, held-out
 *    images); an empty dataset.
 * 2. The LC's real parts run in this process - the dataset manager following the dataset file, the incremental
 *    learning manager with its triggers, the worker report endpoint - around a stand-in for the GM's stage
 *    machine (local/local-gm.ts), which starts the job's workers (incremental_learning.yaml) as processes.
 * 3. The inference worker streams the site's frames and saves hard examples; label.ts labels them into the
 *    dataset; the train trigger fires; train, eval and deploy run; the new model is hot-updated into the running
 *    inference worker.
 * 4. It prints the accuracy on the held-out site images (and on the same images without the shift) before and
 *    after, the live accuracy of the inference worker before and after the hot update, and one JSON line.
 *
 * Options: --work DIR, --fresh (prepare again), --frames N, --holdout N, --base-samples N, --base-epochs N,
 * --train-threshold N (the train trigger's threshold instead of the YAML's), --label-rate N (labels/s),
 * --frame-interval-ms N, --after-frames N (frames to watch after the hot update), --timeout S, --quiet.
 */
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { parseAllDocuments } from 'yaml';
import type { StageCondition } from '@sedna/api';
import { DatasetManager } from '../../../packages/lc/src/managers/dataset/index.js';
import { IncrementalLearningManager } from '../../../packages/lc/src/managers/incrementallearning/index.js';
import { WorkerReportServer } from '../../../packages/lc/src/server/index.js';
import { evaluateClassifier, OnnxEstimator, readImageSet } from './lib.js';
import { LocalGm, type LocalJob } from './local/local-gm.js';
import { startWorker } from './local/processes.js';
import { ensureWorkersBuilt } from '../../common/worker-build.js';
import { DEFAULTS } from './model.js';
import { DEFAULT_WORK_DIR, EXAMPLE_DIR, REPO_DIR, type WorkPaths } from './paths.js';
import { prepare } from './prepare.js';

const NODE = 'edge-node-1';

const { values } = parseArgs({
  options: {
    local: { type: 'boolean', default: false },
    work: { type: 'string', default: DEFAULT_WORK_DIR },
    fresh: { type: 'boolean', default: false },
    frames: { type: 'string', default: String(DEFAULTS.frames) },
    holdout: { type: 'string', default: String(DEFAULTS.holdout) },
    'base-samples': { type: 'string', default: String(DEFAULTS.baseSamples) },
    'base-epochs': { type: 'string', default: String(DEFAULTS.baseEpochs) },
    'train-threshold': { type: 'string' },
    'label-rate': { type: 'string', default: '150' },
    'frame-interval-ms': { type: 'string' },
    'after-frames': { type: 'string', default: '2000' },
    timeout: { type: 'string', default: '900' },
    quiet: { type: 'boolean', default: false },
  },
});

if (!values.local) {
  console.error(
    [
      'usage: node --import tsx examples/incremental_learning/fashion_mnist/run.ts --local [options]',
      '',
      'Only the local mode is played by this script. With the control plane, prepare the files',
      '(node --import tsx examples/incremental_learning/fashion_mnist/prepare.ts --work DIR), fill the placeholders',
      'of incremental_learning.yaml and apply it; see the README.',
    ].join('\n'),
  );
  process.exit(2);
}

const quiet = values.quiet;
const say = (line: string): void => {
  if (!quiet) console.log(line);
};
const number = (name: keyof typeof values): number => {
  const value = Number(values[name]);
  if (!Number.isFinite(value) || value < 0) throw new Error(`--${name} must be a number, got ${JSON.stringify(values[name])}`);
  return value;
};

const started = Date.now();
const work = path.resolve(values.work);
const p = await prepare({ work, fresh: values.fresh, frames: number('frames'), holdout: number('holdout'), baseSamples: number('base-samples'), baseEpochs: number('base-epochs'), log: say });
await resetRun(p);

// The job as the YAML has it, with the placeholders filled in; its workers run from their build.
ensureWorkersBuilt(EXAMPLE_DIR, say);
const yamlText = (await readFile(path.join(EXAMPLE_DIR, 'incremental_learning.yaml'), 'utf8')).replaceAll('$WORKER_NODE', NODE).replaceAll('$DATA_DIR', work).replaceAll('$REPO_DIR', REPO_DIR);
const objects = parseAllDocuments(yamlText).map((doc) => doc.toJS() as { kind: string; metadata: { name: string; namespace?: string }; spec: Record<string, unknown> });
const job = objects.find((o) => o.kind === 'IncrementalLearningJob') as unknown as LocalJob;
const dataset = objects.find((o) => o.kind === 'Dataset') as unknown as { metadata: { name: string }; spec: { url: string; format: string; nodeName: string } };
const models = objects.filter((o) => o.kind === 'Model');
job.metadata = { ...job.metadata, namespace: 'default', uid: `local-${Date.now()}`, annotations: {} };
job.status = { conditions: [] };
if (values['train-threshold'] !== undefined) (job.spec.trainSpec as unknown as { trigger: { condition: { threshold: number } } }).trigger.condition.threshold = number('train-threshold');
if (values['frame-interval-ms'] !== undefined) {
  const container = job.spec.deploySpec.template.spec.containers[0];
  container?.env?.forEach((variable) => {
    if (variable.name === 'FRAME_INTERVAL_MS') variable.value = String(number('frame-interval-ms'));
  });
}

const before = await measure(p.deployModel, p);
say(`before: the deployed model has accuracy ${pct(before.site)} on the new site, ${pct(before.original)} on the same images without the shift`);

// --- the LC's parts, and the stand-in GM
const conditions: StageCondition[] = [];
// (the callbacks below reach `gm` and `datasets` only once both exist)
const il = new IncrementalLearningManager({
  nodeName: NODE,
  dataDir: p.lcData,
  roots: [work],
  send: (namespace, name, content) => gm.receive(namespace, name, content),
  samples: (key) => datasets.samples(key),
  datasetInfo: (key) => datasets.get(key),
  warn: (message) => say(`(LC) ${message}`),
  log: (message) => say(`(LC) ${message}`),
});
const datasets = new DatasetManager({
  roots: [work],
  nodeName: NODE,
  onSampleCount: (ref, status) => {
    say(`(LC) dataset ${ref.name}: ${status.numberOfSamples} samples`);
    il.datasetChanged(`${ref.namespace}/${ref.name}`);
  },
  onError: (ref, error) => say(`(LC) dataset ${ref.name}: ${error.message}`),
});
const reports = new WorkerReportServer({ host: '127.0.0.1', port: 0, isKnownWorker: () => true, warn: (message) => say(`(LC) ${message}`) });
reports.register('incrementallearningjob', (report) => {
  il.handleWorkerReport(report);
});
const address = await reports.listen();

for (const model of models) il.upsertModel({ ...model, metadata: { ...model.metadata, namespace: 'default' } });
datasets.upsert({ metadata: { name: dataset.metadata.name, namespace: 'default' }, spec: dataset.spec });

const gm = new LocalGm({
  job,
  nodeName: NODE,
  modelUrls: Object.fromEntries(models.map((m) => [m.metadata.name, String(m.spec.url)])),
  datasetUrl: dataset.spec.url,
  lcServer: `http://127.0.0.1:${address.port}`,
  hotUpdateConfig: p.hotUpdateConfig,
  logDir: p.logs,
  echo: !quiet,
  log: say,
  onCondition: (condition) => conditions.push(condition),
  rounds: 1,
});
gm.manager = il;
gm.start();

const labeller = startWorker({
  name: 'labeller',
  container: {
    command: ['node', '--import', 'tsx', path.join(EXAMPLE_DIR, 'label.ts')],
    args: ['--he', p.hardExamples, '--ground-truth', p.groundTruth, '--dataset', p.dataset, '--rate', String(number('label-rate'))],
    workingDir: REPO_DIR,
  },
  env: {},
  logDir: p.logs,
  echo: !quiet,
});

// --- one round: until the deploy stage ends
const deadline = started + number('timeout') * 1000;
let outcome: 'deployed' | 'not deployed' | 'failed' | 'timed out' = 'timed out';
while (Date.now() < deadline) {
  const last = conditions.at(-1);
  const deployReady = conditions.some((c) => c.stage === 'Deploy' && c.type === 'Ready');
  // A failed stage goes back to Train/Waiting at once: look for it in the whole list.
  if (conditions.some((c) => c.type === 'Failed')) {
    outcome = 'failed';
    break;
  }
  if (last?.stage === 'Deploy' && last.type === 'Completed') {
    outcome = deployReady ? 'deployed' : 'not deployed';
    break;
  }
  await sleep(250);
}
await labeller.stop();

// --- let the camera run on the new model for a while
const afterFrames = number('after-frames');
let live = await liveAccuracy(p);
if (outcome === 'deployed') {
  while (Date.now() < deadline && live.after.frames < afterFrames) {
    await sleep(250);
    live = await liveAccuracy(p);
  }
}
await gm.stop();
await reports.close();
await il.close();
datasets.close();

const after = await measure(p.deployModel, p);
const status = il.status('default/fashion-mnist-demo');
const evalData = conditions.filter((c) => c.stage === 'Eval' && c.type === 'Completed').at(-1)?.data;
const evalModels = evalData ? (JSON.parse(evalData) as { output?: { models?: { metrics?: { accuracy?: number } }[] } }).output?.models : undefined;
const trainSamples = await countLines(path.join(p.outputDir, 'data', 'train', '1', 'data.txt'));
const evalSamples = await countLines(path.join(p.outputDir, 'data', 'eval', '1', 'data.txt'));
const hardExamples = await countLines(path.join(p.hardExamples, 'index.txt'));
const labelled = await countLines(p.dataset);

const summary = {
  outcome,
  site: { before: round(before.site), after: round(after.site) },
  original: { before: round(before.original), after: round(after.original) },
  live: { before: { frames: live.before.frames, accuracy: round(live.before.accuracy) }, after: { frames: live.after.frames, accuracy: round(live.after.accuracy) } },
  round: {
    trainSamples,
    evalSamples,
    evalAccuracy: { new: round(evalModels?.[0]?.metrics?.accuracy), old: round(evalModels?.[1]?.metrics?.accuracy) },
    rounds: status?.rounds ?? 0,
  },
  hardExamples,
  labelled,
  seconds: Math.round((Date.now() - started) / 1000),
};
say('');
say(`round 1: ${outcome}; trained on ${trainSamples} labelled hard examples, evaluated on ${evalSamples} (eval accuracy new ${pct(summary.round.evalAccuracy.new)} vs old ${pct(summary.round.evalAccuracy.old)})`);
say(`held-out site images (${number('holdout')}): ${pct(before.site)} -> ${pct(after.site)}`);
say(`the same images without the shift:  ${pct(before.original)} -> ${pct(after.original)}`);
say(`inference worker, live on the camera: ${pct(live.before.accuracy)} on ${live.before.frames} frames before the hot update, ${pct(live.after.accuracy)} on ${live.after.frames} frames after`);
say(`logs in ${p.logs}`);
console.log(JSON.stringify(summary));
process.exit(outcome === 'deployed' ? 0 : 1);

// --- helpers

/** Clears what a previous run left: rounds, hard examples, labels, the LC's state, and the deployed model. */
async function resetRun(paths: WorkPaths): Promise<void> {
  for (const dir of [paths.hardExamples, paths.outputDir, paths.lcData, path.dirname(paths.inferenceResults), paths.hotUpdateRoot, paths.logs, paths.datasetImages]) {
    await rm(dir, { recursive: true, force: true });
  }
  await mkdir(paths.datasetImages, { recursive: true });
  await writeFile(paths.dataset, '');
  await mkdir(path.dirname(paths.deployModel), { recursive: true });
  await copyFile(paths.baseOnnx, paths.deployModel);
}

async function measure(model: string, paths: WorkPaths): Promise<{ site: number; original: number }> {
  const estimator = new OnnxEstimator();
  await estimator.load(model);
  const site = await readImageSet(paths.holdoutIndex, { dataType: 'eval' });
  const original = await readImageSet(paths.originalIndex, { dataType: 'eval' });
  const result = { site: (await evaluateClassifier(estimator, site.x, site.y)).accuracy, original: (await evaluateClassifier(estimator, original.x, original.y)).accuracy };
  estimator.dispose();
  return result;
}

/** Accuracy of what the inference worker answered, from its results file and the site's ground truth. */
async function liveAccuracy(paths: WorkPaths): Promise<{ before: { frames: number; accuracy: number }; after: { frames: number; accuracy: number } }> {
  const truth = new Map((await readFile(paths.groundTruth, 'utf8')).split('\n').filter(Boolean).map((line) => line.split(' ') as [string, string]));
  const tally = { before: { frames: 0, right: 0 }, after: { frames: 0, right: 0 } };
  if (existsSync(paths.inferenceResults)) {
    for (const line of (await readFile(paths.inferenceResults, 'utf8')).split('\n')) {
      const [frame, predicted, version] = line.split(' ');
      if (!frame || predicted === undefined || version === undefined) continue;
      const bucket = version === 'initial' ? tally.before : tally.after;
      bucket.frames++;
      if (truth.get(frame) === predicted) bucket.right++;
    }
  }
  const rate = (t: { frames: number; right: number }) => ({ frames: t.frames, accuracy: t.frames === 0 ? NaN : t.right / t.frames });
  return { before: rate(tally.before), after: rate(tally.after) };
}

async function countLines(file: string): Promise<number> {
  try {
    return (await readFile(file, 'utf8')).split('\n').filter((line) => line.trim() !== '').length;
  } catch {
    return 0;
  }
}

function pct(value: number | null | undefined): string {
  return value === undefined || value === null || Number.isNaN(value) ? 'n/a' : `${(value * 100).toFixed(1)}%`;
}

function round(value: number | undefined): number | null {
  return value === undefined || Number.isNaN(value) ? null : Math.round(value * 10000) / 10000;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
