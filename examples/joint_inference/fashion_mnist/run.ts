/**
 * End to end: trains the two models if they are missing, runs the JointInferenceService (on a control plane with
 * --kubeconfig, or as two local processes with --local), waits for the edge worker's summary, measures the little
 * and the big model alone on the same images with ONNX Runtime, and prints the three side by side.
 *
 *   node --import tsx examples/joint_inference/fashion_mnist/run.ts --local
 *   node --import tsx examples/joint_inference/fashion_mnist/run.ts --kubeconfig .sedna/apiserver/kubeconfig
 *
 * Options: --work-dir (default /tmp/sedna-ji-fashion-mnist; models/ and output/ inside), --models, --output,
 * --offset, --count, --concurrency (images in flight on the edge), --threshold (CrossEntropy's
 * threshold_cross_entropy), --hem NAME and --hem-param key=value (another mining algorithm), --mining-mode,
 * --cloud-down (local: no cloud worker), --retrain, --train-count, --epochs-little, --epochs-big, --edge-node,
 * --cloud-node, --kubectl, --keep (leave the service applied), --timeout (seconds), --quiet (no worker logs).
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { runKube } from './kube-mode.js';
import { runLocal } from './local-mode.js';
import { EXAMPLE_DIR, renderManifest, type EdgeOverrides, type KeyValue } from './manifest.js';
import { modelPaths, onnxAccuracy } from './models.js';
import { SUMMARY_FILE, type StreamSummary } from './outputs.js';
import { trainModels, type TrainOptions } from './train.js';

export type RunMode = { kind: 'local'; cloudDown?: boolean } | { kind: 'kube'; kubeconfig: string; kubectl?: string; keep?: boolean; edgeNode: string; cloudNode: string };

export interface RunOptions {
  mode: RunMode;
  modelsDir: string;
  outputDir: string;
  offset?: number;
  count?: number;
  concurrency?: number;
  /** Another mining than the manifest's (name and parameters). */
  hardExampleMining?: { name: string; parameters: KeyValue[] };
  miningMode?: 'inference-then-mining' | 'mining-then-inference';
  /** Settings of a training run, when the models are missing (or retrain is set). */
  training?: Omit<TrainOptions, 'outDir' | 'log'>;
  retrain?: boolean;
  timeoutMs?: number;
  /** Echo the workers' logs (local mode; default true). */
  echo?: boolean;
  log?: (line: string) => void;
}

export interface RunReport {
  images: { offset: number; count: number };
  edgeOnlyAccuracy: number;
  cloudOnlyAccuracy: number;
  summary: StreamSummary;
  /** Local mode: the last report the edge worker sent its LC. */
  lastLcReport?: Record<string, unknown> | undefined;
  /** Cluster mode: the JointInferenceService's status at the end. */
  serviceStatus?: Record<string, unknown> | undefined;
  files: { summary: string; report: string };
}

export const DEFAULT_WORK_DIR = '/tmp/sedna-ji-fashion-mnist';
const DEFAULT_EDGE_NODE = 'edge-node-1';
const DEFAULT_CLOUD_NODE = 'cloud-node';

export async function runExample(options: RunOptions): Promise<RunReport> {
  const log = options.log ?? ((line: string) => console.log(`[run] ${line}`));
  const paths = modelPaths(options.modelsDir);
  if (options.retrain || !existsSync(paths.little) || !existsSync(paths.big)) {
    log(`training the models into ${options.modelsDir}`);
    await trainModels({ ...options.training, outDir: options.modelsDir, log: (line) => log(`train | ${line}`) });
  } else {
    log(`using the models in ${options.modelsDir} (--retrain to train them again)`);
  }

  await mkdir(options.outputDir, { recursive: true });
  const overrides: EdgeOverrides = { env: {} };
  if (options.offset !== undefined) overrides.env!['camera_offset'] = String(options.offset);
  if (options.count !== undefined) overrides.env!['camera_count'] = String(options.count);
  if (options.concurrency !== undefined) overrides.env!['camera_concurrency'] = String(options.concurrency);
  if (options.miningMode !== undefined) overrides.env!['MINING_MODE'] = options.miningMode;
  if (options.hardExampleMining !== undefined) overrides.hardExampleMining = options.hardExampleMining;
  const mode = options.mode;
  const manifest = renderManifest(
    {
      EXAMPLE_DIR,
      MODELS_DIR: options.modelsDir,
      OUTPUT_DIR: options.outputDir,
      EDGE_NODE: mode.kind === 'kube' ? mode.edgeNode : DEFAULT_EDGE_NODE,
      CLOUD_NODE: mode.kind === 'kube' ? mode.cloudNode : DEFAULT_CLOUD_NODE,
    },
    overrides,
  );
  const edgeEnv = manifest.service.spec.edgeWorker.template.spec.containers[0]?.env ?? [];
  const allExamples = edgeEnv.find((e) => e.name === 'all_examples_inference_output')?.value;
  if (!allExamples) throw new Error('the manifest does not set all_examples_inference_output for the edge worker');
  const summaryFile = join(allExamples, SUMMARY_FILE);
  await rm(summaryFile, { force: true });
  const hem = manifest.service.spec.edgeWorker.hardExampleMining;
  log(`mining: ${hem?.name ?? 'none'} ${JSON.stringify(hem?.parameters ?? [])}; outputs in ${options.outputDir}`);

  const timeoutMs = options.timeoutMs ?? 600_000;
  let lastLcReport: Record<string, unknown> | undefined;
  let serviceStatus: Record<string, unknown> | undefined;
  if (mode.kind === 'local') {
    const result = await runLocal({ manifest, logDir: options.outputDir, summaryFile, cloudDown: mode.cloudDown ?? false, echo: options.echo ?? true, timeoutMs, log });
    lastLcReport = result.lastReport;
  } else {
    const result = await runKube({ manifest, kubeconfig: mode.kubeconfig, summaryFile, timeoutMs, log, keep: mode.keep ?? false, ...(mode.kubectl ? { kubectl: mode.kubectl } : {}) });
    serviceStatus = result.status;
  }

  const summary = JSON.parse(await readFile(summaryFile, 'utf8')) as StreamSummary;
  log(`measuring the little and the big model alone on the same ${summary.count} images`);
  const edgeOnlyAccuracy = await onnxAccuracy(paths.little, summary.offset, summary.count);
  const cloudOnlyAccuracy = await onnxAccuracy(paths.big, summary.offset, summary.count);
  const reportFile = join(options.outputDir, 'report.json');
  const report: RunReport = {
    images: { offset: summary.offset, count: summary.count },
    edgeOnlyAccuracy,
    cloudOnlyAccuracy,
    summary,
    ...(mode.kind === 'local' ? { lastLcReport } : { serviceStatus }),
    files: { summary: summaryFile, report: reportFile },
  };
  await writeFile(reportFile, `${JSON.stringify(report, null, 2)}\n`);
  for (const line of formatTable(report)) log(line);
  return report;
}

export function formatTable(report: RunReport): string[] {
  const { summary } = report;
  const pct = (v: number): string => `${(100 * v).toFixed(2)} %`;
  const row = (what: string, accuracy: string, upload: string, throughput: string): string => `${what.padEnd(22)}${accuracy.padStart(10)}${upload.padStart(20)}${throughput.padStart(18)}`;
  const lines = [
    `Fashion-MNIST test images ${summary.offset}..${summary.offset + summary.count - 1} (${summary.count}); mining ${summary.hardExampleMining ?? 'none'}, ${summary.miningMode}`,
    row('', 'accuracy', 'sent to the cloud', 'throughput'),
    row('edge only (little)', pct(report.edgeOnlyAccuracy), pct(0), ''),
    row('cloud only (big)', pct(report.cloudOnlyAccuracy), pct(1), ''),
    row('joint inference', pct(summary.jointAccuracy), pct(summary.uploadRatio), `${summary.throughput.toFixed(0)} images/s`),
    `cloud failures: ${summary.cloudFailures}; ${summary.concurrency} image(s) in flight; stream took ${summary.seconds.toFixed(2)} s`,
  ];
  const info = (report.lastLcReport?.['ownerInfo'] ?? undefined) as Record<string, unknown> | undefined;
  if (info) lines.push(`the LC's last report: ${JSON.stringify(info)}`);
  const metrics = report.serviceStatus?.['metrics'];
  if (metrics) lines.push(`the service's status.metrics: ${JSON.stringify(metrics)}`);
  return lines;
}

function integerFlag(value: string | undefined, flag: string, min: number): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isInteger(number) || number < min) throw new Error(`${flag} must be an integer ≥ ${min}, got ${JSON.stringify(value)}`);
  return number;
}

function parseHem(name: string | undefined, params: string[] | undefined, threshold: string | undefined): RunOptions['hardExampleMining'] {
  if (name === undefined && threshold === undefined) {
    if (params && params.length > 0) throw new Error('--hem-param needs --hem');
    return undefined;
  }
  if (name !== undefined && threshold !== undefined && name !== 'CrossEntropy') throw new Error('--threshold is CrossEntropy\'s; with another --hem use --hem-param');
  const parameters: KeyValue[] = (params ?? []).map((p) => {
    const at = p.indexOf('=');
    if (at < 1) throw new Error(`--hem-param must be key=value, got ${JSON.stringify(p)}`);
    return { key: p.slice(0, at), value: p.slice(at + 1) };
  });
  if (threshold !== undefined) {
    const value = Number(threshold);
    if (!(value >= 0 && value <= 1)) throw new Error(`--threshold must be a number in [0, 1], got ${JSON.stringify(threshold)}`);
    parameters.push({ key: 'threshold_cross_entropy', value: String(value) });
  }
  return { name: name ?? 'CrossEntropy', parameters };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      local: { type: 'boolean' },
      kubeconfig: { type: 'string' },
      kubectl: { type: 'string' },
      keep: { type: 'boolean' },
      'edge-node': { type: 'string' },
      'cloud-node': { type: 'string' },
      'cloud-down': { type: 'boolean' },
      'work-dir': { type: 'string' },
      models: { type: 'string' },
      output: { type: 'string' },
      offset: { type: 'string' },
      count: { type: 'string' },
      concurrency: { type: 'string' },
      threshold: { type: 'string' },
      hem: { type: 'string' },
      'hem-param': { type: 'string', multiple: true },
      'mining-mode': { type: 'string' },
      retrain: { type: 'boolean' },
      'train-count': { type: 'string' },
      'epochs-little': { type: 'string' },
      'epochs-big': { type: 'string' },
      timeout: { type: 'string' },
      quiet: { type: 'boolean' },
    },
  });
  if (values.local === (values.kubeconfig !== undefined)) throw new Error('give exactly one of --local (two local processes) and --kubeconfig <file> (a running control plane)');
  if (values['cloud-down'] && !values.local) throw new Error('--cloud-down is for --local runs');
  const miningMode = values['mining-mode'];
  if (miningMode !== undefined && miningMode !== 'inference-then-mining' && miningMode !== 'mining-then-inference') {
    throw new Error(`--mining-mode must be inference-then-mining or mining-then-inference, got ${JSON.stringify(miningMode)}`);
  }
  const workDir = resolve(values['work-dir'] ?? DEFAULT_WORK_DIR);
  const mode: RunMode = values.local
    ? { kind: 'local', cloudDown: values['cloud-down'] ?? false }
    : {
        kind: 'kube',
        kubeconfig: resolve(values.kubeconfig as string),
        edgeNode: values['edge-node'] ?? DEFAULT_EDGE_NODE,
        cloudNode: values['cloud-node'] ?? DEFAULT_CLOUD_NODE,
        keep: values.keep ?? false,
        ...(values.kubectl ? { kubectl: resolve(values.kubectl) } : {}),
      };
  const training: RunOptions['training'] = {};
  const trainCount = integerFlag(values['train-count'], '--train-count', 1);
  const epochsLittle = integerFlag(values['epochs-little'], '--epochs-little', 1);
  const epochsBig = integerFlag(values['epochs-big'], '--epochs-big', 1);
  if (trainCount !== undefined) training.trainCount = trainCount;
  if (epochsLittle !== undefined) training.epochsLittle = epochsLittle;
  if (epochsBig !== undefined) training.epochsBig = epochsBig;
  const options: RunOptions = {
    mode,
    modelsDir: resolve(values.models ?? join(workDir, 'models')),
    outputDir: resolve(values.output ?? join(workDir, 'output')),
    training,
    retrain: values.retrain ?? false,
    echo: !values.quiet,
  };
  const offset = integerFlag(values.offset, '--offset', 0);
  const count = integerFlag(values.count, '--count', 1);
  const concurrency = integerFlag(values.concurrency, '--concurrency', 1);
  const timeout = integerFlag(values.timeout, '--timeout', 1);
  const hem = parseHem(values.hem, values['hem-param'], values.threshold);
  if (offset !== undefined) options.offset = offset;
  if (count !== undefined) options.count = count;
  if (concurrency !== undefined) options.concurrency = concurrency;
  if (timeout !== undefined) options.timeoutMs = timeout * 1000;
  if (hem !== undefined) options.hardExampleMining = hem;
  if (miningMode !== undefined) options.miningMode = miningMode;
  await runExample(options);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main().catch((error: unknown) => {
    console.error(`run: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}
