/**
 * End to end: writes each edge node's non-iid share of Fashion-MNIST (unless already there), runs the
 * FederatedLearningJob (as four local processes with --local, or on a control plane with --kubeconfig), then trains
 * the same model centrally on the union of the shares for the same total epochs, and prints the global test accuracy
 * per round next to the central one. The last line is a JSON summary.
 *
 *   node --import tsx examples/federated_learning/fashion_mnist/run.ts --local
 *   node --import tsx examples/federated_learning/fashion_mnist/run.ts --kubeconfig .sedna/apiserver/kubeconfig
 *
 * Options: --work-dir (default /tmp/sedna-fl-fashion-mnist; data/ and output/ inside), --data-dir, --output-dir,
 * --algorithm (FedAvg | FedProx | FedAdam | any strategy of the lib), --param key=value (aggregation_parameters,
 * repeatable), --rounds (exit_round, default 10), --epochs (local epochs per round, default 1), --batch-size,
 * --split (dirichlet | classes | iid), --alpha, --classes-per-node, --count (training images shared out),
 * --test-count, --seed, --min-clients and --round-timeout (s) (min_clients and round_timeout_seconds; default: the
 * YAML's), --no-central, --cloud-node, --edge-nodes a,b,c, --kubectl, --keep, --timeout (s), --quiet.
 */
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { trainCentrally } from './central.js';
import { runKube } from './kube-mode.js';
import { runLocal } from './local-mode.js';
import { EXAMPLE_DIR, renderManifest, envValue } from './manifest.js';
import { DEFAULT_PREPARE, describeCounts, prepareData, type PrepareOptions, type SplitKind } from './prepare.js';
import type { RoundRecord } from './sedna-lib.js';

/** Parameters that work for this model when --algorithm is given without --param (see README.md). */
export const DEFAULT_PARAMETERS: Record<string, Record<string, string>> = {
  FedProx: { proximal_mu: '0.1' },
  FedAdam: { eta: '0.03', tau: '0.001' },
  FedYogi: { eta: '0.03', tau: '0.001' },
};

export type RunMode = { kind: 'local' } | { kind: 'kube'; kubeconfig: string; kubectl?: string; keep?: boolean };

export interface RunOptions {
  mode: RunMode;
  dataDir: string;
  outputDir: string;
  prepare: Omit<PrepareOptions, 'out'>;
  algorithm: string;
  parameters: Record<string, string>;
  rounds: number;
  epochs: number;
  batchSize: number;
  /** min_clients and round_timeout_seconds of the aggregator; unset: the YAML's (2 and 120 s). */
  minClients?: number;
  roundTimeoutSeconds?: number;
  central: boolean;
  nodes: { cloud: string; edges: [string, string, string] };
  timeoutMs: number;
  echo: boolean;
  log: (line: string) => void;
}

export interface RunReport {
  algorithm: string;
  split: SplitKind;
  rounds: number;
  epochs: number;
  /** The global model's test accuracy after each round. */
  flAccuracy: number[];
  /** The central model's after the same number of epochs. */
  centralAccuracy: number[] | undefined;
  modelUrl: string | undefined;
  /** Kube mode: the Model's status metrics. */
  modelMetrics?: unknown;
}

export const DEFAULT_WORK_DIR = '/tmp/sedna-fl-fashion-mnist';

export async function runExample(options: RunOptions): Promise<RunReport> {
  const { log } = options;
  const prepared = await prepareData({ ...options.prepare, out: options.dataDir }, log);
  for (const line of describeCounts(prepared.counts)) log(line);
  await mkdir(options.outputDir, { recursive: true });
  const summaryFile = join(options.outputDir, 'summary.json');
  await rm(summaryFile, { force: true });
  const manifest = renderManifest(
    {
      EXAMPLE_DIR,
      DATA_DIR: options.dataDir,
      OUTPUT_DIR: options.outputDir,
      CLOUD_NODE: options.nodes.cloud,
      EDGE1_NODE: options.nodes.edges[0],
      EDGE2_NODE: options.nodes.edges[1],
      EDGE3_NODE: options.nodes.edges[2],
    },
    {
      aggregator: {
        exit_round: String(options.rounds),
        aggregation_algorithm: options.algorithm,
        aggregation_parameters: JSON.stringify(options.parameters),
        summary_file: summaryFile,
        ...(options.minClients === undefined ? {} : { min_clients: String(options.minClients) }),
        ...(options.roundTimeoutSeconds === undefined ? {} : { round_timeout_seconds: String(options.roundTimeoutSeconds) }),
      },
      trainers: { epochs: String(options.epochs), batch_size: String(options.batchSize) },
    },
  );
  // The aggregator resumes from the checkpoint next to the model (MODEL_URL.fl-checkpoint) when it names the same
  // job: one left by an interrupted earlier run would make this new job carry on from there instead of round 1.
  const modelUrl = manifest.modelUrls.get(manifest.job.spec.aggregationWorker.model.name);
  if (modelUrl !== undefined) await rm(`${modelUrl}.fl-checkpoint`, { force: true });
  log(`federated learning: ${options.algorithm} ${JSON.stringify(options.parameters)}, ${options.rounds} round(s) of ${options.epochs} local epoch(s), ${options.prepare.split} split`);
  let modelMetrics: unknown;
  if (options.mode.kind === 'local') {
    await runLocal({ manifest, logDir: options.outputDir, echo: options.echo, timeoutMs: options.timeoutMs, log });
  } else {
    const result = await runKube({
      manifest,
      kubeconfig: options.mode.kubeconfig,
      ...(options.mode.kubectl === undefined ? {} : { kubectl: options.mode.kubectl }),
      ...(options.mode.keep === undefined ? {} : { keep: options.mode.keep }),
      timeoutMs: options.timeoutMs,
      log,
    });
    modelMetrics = result.modelStatus?.['metrics'];
  }
  const summary = JSON.parse(await readFile(summaryFile, 'utf8')) as { history: RoundRecord[]; model?: { url: string } };
  const flAccuracy = summary.history.map((record) => record.accuracy ?? Number.NaN);
  let centralAccuracy: number[] | undefined;
  if (options.central) {
    centralAccuracy = await trainCentrally({
      nodeIndexes: prepared.nodeIndexes,
      testIndex: prepared.testIndex,
      rounds: options.rounds,
      epochsPerRound: options.epochs,
      batchSize: options.batchSize,
      seed: Number(envValue(manifest.job.spec.aggregationWorker.template, 'seed') ?? 1),
      log: options.echo ? log : () => undefined,
    });
  }
  return {
    algorithm: options.algorithm,
    split: options.prepare.split,
    rounds: summary.history.length,
    epochs: options.epochs,
    flAccuracy,
    centralAccuracy,
    modelUrl: summary.model?.url,
    ...(modelMetrics === undefined ? {} : { modelMetrics }),
  };
}

function percent(value: number | undefined): string {
  return value === undefined || Number.isNaN(value) ? '   -   ' : `${(value * 100).toFixed(2).padStart(6)} %`;
}

export function formatReport(report: RunReport): string[] {
  const lines = [`round  federated (${report.algorithm})  central (same epochs)`];
  report.flAccuracy.forEach((accuracy, index) => lines.push(`${String(index + 1).padStart(5)}  ${percent(accuracy).padStart(22)}  ${percent(report.centralAccuracy?.[index]).padStart(21)}`));
  return lines;
}

function parseOptions(args: string[]): RunOptions {
  const { values } = parseArgs({
    args,
    options: {
      local: { type: 'boolean' },
      kubeconfig: { type: 'string' },
      kubectl: { type: 'string' },
      keep: { type: 'boolean' },
      'work-dir': { type: 'string' },
      'data-dir': { type: 'string' },
      'output-dir': { type: 'string' },
      algorithm: { type: 'string' },
      param: { type: 'string', multiple: true },
      rounds: { type: 'string' },
      epochs: { type: 'string' },
      'batch-size': { type: 'string' },
      split: { type: 'string' },
      alpha: { type: 'string' },
      'classes-per-node': { type: 'string' },
      count: { type: 'string' },
      'test-count': { type: 'string' },
      seed: { type: 'string' },
      'min-clients': { type: 'string' },
      'round-timeout': { type: 'string' },
      'no-central': { type: 'boolean' },
      'cloud-node': { type: 'string' },
      'edge-nodes': { type: 'string' },
      timeout: { type: 'string' },
      quiet: { type: 'boolean' },
    },
  });
  if (values.local === (values.kubeconfig !== undefined)) throw new Error('give either --local or --kubeconfig <file>');
  const positive = (name: string, text: string | undefined, fallback: number, integer = true): number => {
    if (text === undefined) return fallback;
    const value = Number(text);
    if (!Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) throw new Error(`--${name} must be a positive ${integer ? 'integer' : 'number'}, got ${JSON.stringify(text)}`);
    return value;
  };
  const split = (values.split ?? DEFAULT_PREPARE.split) as SplitKind;
  if (!['dirichlet', 'classes', 'iid'].includes(split)) throw new Error(`--split must be dirichlet, classes or iid, got ${JSON.stringify(split)}`);
  const algorithm = values.algorithm ?? 'FedAvg';
  const parameters: Record<string, string> = values.param === undefined ? { ...(DEFAULT_PARAMETERS[algorithm] ?? {}) } : {};
  for (const pair of values.param ?? []) {
    const at = pair.indexOf('=');
    if (at < 1) throw new Error(`--param must be key=value, got ${JSON.stringify(pair)}`);
    parameters[pair.slice(0, at)] = pair.slice(at + 1);
  }
  const edges = (values['edge-nodes'] ?? 'edge-node-1,edge-node-2,edge-node-3').split(',');
  if (edges.length !== 3 || edges.some((edge) => edge === '')) throw new Error('--edge-nodes must name three nodes, e.g. edge-node-1,edge-node-2,edge-node-3');
  const minClients = values['min-clients'] === undefined ? undefined : positive('min-clients', values['min-clients'], 1);
  if (minClients !== undefined && minClients > edges.length) throw new Error(`--min-clients must be at most ${edges.length}, the number of trainers, got ${minClients}`);
  const workDir = values['work-dir'] ?? DEFAULT_WORK_DIR;
  const quiet = values.quiet ?? false;
  return {
    mode: values.local ? { kind: 'local' } : { kind: 'kube', kubeconfig: values.kubeconfig!, ...(values.kubectl ? { kubectl: values.kubectl } : {}), ...(values.keep ? { keep: true } : {}) },
    dataDir: values['data-dir'] ?? join(workDir, 'data'),
    outputDir: values['output-dir'] ?? join(workDir, 'output'),
    prepare: {
      nodes: 3,
      split,
      alpha: positive('alpha', values.alpha, DEFAULT_PREPARE.alpha, false),
      classesPerNode: positive('classes-per-node', values['classes-per-node'], DEFAULT_PREPARE.classesPerNode),
      count: positive('count', values.count, DEFAULT_PREPARE.count),
      testCount: positive('test-count', values['test-count'], DEFAULT_PREPARE.testCount),
      seed: values.seed === undefined ? DEFAULT_PREPARE.seed : Number(values.seed),
    },
    algorithm,
    parameters,
    rounds: positive('rounds', values.rounds, 10),
    epochs: positive('epochs', values.epochs, 1),
    batchSize: positive('batch-size', values['batch-size'], 32),
    ...(minClients === undefined ? {} : { minClients }),
    ...(values['round-timeout'] === undefined ? {} : { roundTimeoutSeconds: positive('round-timeout', values['round-timeout'], 120, false) }),
    central: !(values['no-central'] ?? false),
    nodes: { cloud: values['cloud-node'] ?? 'cloud-node', edges: edges as [string, string, string] },
    timeoutMs: positive('timeout', values.timeout, 1800, false) * 1000,
    echo: !quiet,
    log: (line) => console.log(quiet ? line : `[run] ${line}`),
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  try {
    const options = parseOptions(process.argv.slice(2));
    const report = await runExample(options);
    for (const line of formatReport(report)) console.log(line);
    const last = (series: number[] | undefined): number | undefined => series?.at(-1);
    const fl = last(report.flAccuracy);
    const central = last(report.centralAccuracy);
    console.log(
      JSON.stringify({
        algorithm: report.algorithm,
        split: report.split,
        rounds: report.rounds,
        epochs: report.epochs,
        fl_acc: fl,
        central_acc: central,
        gap_points: fl !== undefined && central !== undefined ? Number(((central - fl) * 100).toFixed(2)) : undefined,
        fl_acc_per_round: report.flAccuracy,
        model: report.modelUrl,
        ...(report.modelMetrics === undefined ? {} : { model_metrics: report.modelMetrics }),
      }),
    );
  } catch (error) {
    console.error(`run: ${(error as Error).message}`);
    process.exitCode = 1;
  }
}
