/**
 * End to end: builds the sites' data, then runs the LifelongLearningJob of lifelong_learning.yaml, with local
 * processes (`--local`: a knowledge base server, a stand-in LC, train, eval and inference workers) or on a control
 * plane (`--kubeconfig`, e.g. `sedna up`: applied with kubectl, the GM and the LCs run it):
 *   round 1  the knowledge base learns the three initial sites; the edge streams the cameras' feed, finds the new
 *            site's images unseen and saves them;
 *   label    a person (label.ts) labels the unseen samples into the dataset;
 *   round 2  the update learns the new site; the edge hot-reloads the new index and streams the feed again.
 * After each round the held-out test images of every site are measured through the edge pipeline. It prints the
 * per-site accuracy matrix, backward and forward transfer, the unseen detection and the knowledge base's contents.
 *
 *   node --import tsx examples/lifelong_learning/fashion_mnist/run.ts --local
 *   node --import tsx examples/lifelong_learning/fashion_mnist/run.ts --kubeconfig .sedna/apiserver/kubeconfig
 *
 * Options: --work-dir (default /tmp/sedna-ll-fashion-mnist), --train-per-site, --feed-per-site, --new-site-feed,
 * --test-per-site, --epochs, --hidden-units, --train-threshold (the train trigger's num_of_samples threshold),
 * --timeout (seconds), --quiet (no worker logs), --fresh (new data); with --kubeconfig also --kubectl, --keep (leave
 * the job in place), --cloud-node and --edge-node (default cloud-node and edge-node-1, the names of `sedna up`).
 */
import { existsSync } from 'node:fs';
import { copyFile, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';

import { summaryFile, type FeedSummary } from './feed-summary.js';
import { labelUnseenSamples, type LabelResult } from './label.js';
import { KubeJob } from './kube-mode.js';
import { LocalJob, type ExampleJob, type RoundOutcome } from './local-mode.js';
import { EXAMPLE_DIR, renderManifest, type Manifest } from './manifest.js';
import { loadTestSet, measureIndex, measureUntrained, transferFigures, type SiteAccuracies, type TransferFigures } from './measure.js';
import { prepareData, type PrepareOptions } from './prepare.js';
import { KBClient, type KbQueryResult } from './sedna-lib.js';
import { INITIAL_SITES, NEW_SITE } from './sites.js';

export const DEFAULT_WORK_DIR = '/tmp/sedna-ll-fashion-mnist';

export interface RunOptions {
  workDir: string;
  data?: Omit<PrepareOptions, 'dataDir'>;
  /** Worker settings written into the templates' env (epochs, hidden_units, ...). */
  workerEnv?: Record<string, string>;
  /** The train trigger's threshold on num_of_samples (default the YAML's, 400). */
  trainThreshold?: number;
  /** Run on a control plane instead of local processes. */
  cluster?: { kubeconfig: string; kubectl?: string; keep?: boolean; cloudNode?: string; edgeNode?: string };
  timeoutMs?: number;
  echo?: boolean;
  log?: (line: string) => void;
}

export interface RunReport {
  sites: { initial: string[]; new: string };
  rounds: { round: number; trainRows: number; evalRows: number; deployedVersion: string; trainReport: unknown; evalReport: unknown }[];
  /** R[0] untrained, R[1] after the initial training, R[2] after the update. */
  matrix: SiteAccuracies[];
  figures: TransferFigures;
  /** The edge's passes over the feed, one per deployed index. */
  feed: FeedSummary[];
  labelled: LabelResult;
  /** The new site's feed images flagged unseen in round 1, and the initial sites' ones (false alarms). */
  unseenDetection: { newSiteRecall: number; falseAlarmRate: number; precision: number };
  knowledgeBase: KbQueryResult;
  /** On a control plane: the job's `status.knowledgeBase` at the end, as `kubectl get ll -o yaml` shows it. */
  statusKnowledgeBase?: unknown;
  files: { report: string; logs: string };
}

export async function runExample(options: RunOptions): Promise<RunReport> {
  const log = options.log ?? ((line: string) => console.log(`[run] ${line}`));
  const workDir = path.resolve(options.workDir);
  const dataDir = path.join(workDir, 'data');
  const outputDir = path.join(workDir, 'output');
  const logDir = path.join(workDir, 'logs');
  // Each run starts its job from scratch (the data is kept when its settings did not change).
  for (const dir of [outputDir, logDir, path.join(workDir, 'kb'), path.join(workDir, 'unseen_task'), path.join(workDir, 'infer_results'), path.join(workDir, 'edge_kb')]) await rm(dir, { recursive: true, force: true });
  log(`preparing the sites' data in ${dataDir}`);
  const data = await prepareData({ dataDir, ...options.data });
  // The dataset grows with labelled samples during a run: each run starts from the prepared one.
  await rm(path.join(dataDir, 'labelled'), { recursive: true, force: true });
  await copyFile(data.initialTrainCsv, data.trainCsv);

  const cluster = options.cluster;
  const cloudNode = cluster?.cloudNode ?? 'cloud-node';
  const edgeNode = cluster ? (cluster.edgeNode ?? 'edge-node-1') : 'edge-node';
  const manifest = withTrainThreshold(
    withWorkerEnv(renderManifest({ EXAMPLE_DIR, DATA_DIR: dataDir, OUTPUT_DIR: outputDir, WORK_DIR: workDir, DATA_NODE: edgeNode, TRAIN_NODE: cloudNode, EVAL_NODE: cloudNode, INFER_NODE: edgeNode }), options.workerEnv ?? {}),
    options.trainThreshold,
  );
  const timeoutMs = options.timeoutMs ?? 600_000;
  const job: ExampleJob = cluster
    ? new KubeJob({ manifest, kubeconfig: cluster.kubeconfig, ...(cluster.kubectl ? { kubectl: cluster.kubectl } : {}), keep: cluster.keep ?? false, timeoutMs, log })
    : new LocalJob({ manifest, workDir, logDir, echo: options.echo ?? true, log, timeoutMs });
  const resultDir = envOf(manifest, 'infer_result_dir');
  const test = await loadTestSet(data.testCsv);
  const rounds: RoundOutcome[] = [];
  const feed: FeedSummary[] = [];
  const matrix: SiteAccuracies[] = [await measureUntrained(test, options.workerEnv)];
  let labelled: LabelResult = { bySite: {}, total: 0 };
  try {
    await job.start();
    for (const round of [1, 2]) {
      if (round === 2) {
        labelled = await labelUnseenSamples(envOf(manifest, 'UT_SAVED_URL'), data.feedCsv, data.trainCsv);
        log(`labelled ${labelled.total} unseen samples into the dataset: ${JSON.stringify(labelled.bySite)}`);
      }
      const outcome = await job.runRound();
      rounds.push(outcome);
      const file = summaryFile(resultDir, outcome.deployedVersion);
      await job.waitForSummary(file);
      feed.push(JSON.parse(await readFile(file, 'utf8')) as FeedSummary);
      matrix.push(await measureIndex(job.deployIndex, test, options.workerEnv));
      log(`round ${round}: ${describeRow(matrix.at(-1) as SiteAccuracies)}`);
    }
    const knowledgeBase = await new KBClient(job.kbUrl).query();
    const learnedIn = Object.fromEntries([...INITIAL_SITES.map((s) => [s, 1] as const), [NEW_SITE, 2] as const]);
    const first = feed[0] as FeedSummary;
    const flagged = (sites: readonly string[]) => sites.reduce((n, s) => n + (first.sites[s]?.unseen ?? 0), 0);
    const total = (sites: readonly string[]) => sites.reduce((n, s) => n + (first.sites[s]?.samples ?? 0), 0);
    const truePositives = flagged([NEW_SITE]);
    const falseAlarms = flagged(INITIAL_SITES);
    const report: RunReport = {
      sites: { initial: [...INITIAL_SITES], new: NEW_SITE },
      rounds: rounds.map((r) => ({ round: r.round, trainRows: r.trainRows, evalRows: r.evalRows, deployedVersion: r.deployedVersion, trainReport: r.train, evalReport: r.eval })),
      matrix,
      figures: transferFigures(matrix, learnedIn),
      feed,
      labelled,
      unseenDetection: {
        newSiteRecall: truePositives / Math.max(1, total([NEW_SITE])),
        falseAlarmRate: falseAlarms / Math.max(1, total(INITIAL_SITES)),
        precision: truePositives / Math.max(1, truePositives + falseAlarms),
      },
      knowledgeBase,
      files: { report: path.join(workDir, 'report.json'), logs: logDir },
    };
    await job.stop();
    if (job instanceof KubeJob) report.statusKnowledgeBase = job.lastStatus['knowledgeBase'];
    await writeFile(report.files.report, JSON.stringify(report, null, 2));
    return report;
  } finally {
    await job.stop();
  }
}

function envOf(manifest: Manifest, name: string): string {
  const value = manifest.job.spec.deploySpec.template.spec.containers[0]?.env?.find((e) => e.name === name)?.value;
  if (!value) throw new Error(`the deploy template of the manifest has no env ${name}`);
  return value;
}

/** Sets the train trigger's num_of_samples threshold. */
function withTrainThreshold(manifest: Manifest, threshold: number | undefined): Manifest {
  if (threshold !== undefined) manifest.job.spec.trainSpec.trigger.condition.threshold = threshold;
  return manifest;
}

/** Sets worker parameters in every template's env. */
function withWorkerEnv(manifest: Manifest, env: Record<string, string>): Manifest {
  const spec = manifest.job.spec;
  for (const template of [spec.trainSpec.template, spec.evalSpec.template, spec.deploySpec.template]) {
    const container = template.spec.containers[0];
    if (container === undefined) continue;
    for (const [name, value] of Object.entries(env)) {
      container.env ??= [];
      const existing = container.env.find((e) => e.name === name);
      if (existing) existing.value = value;
      else container.env.push({ name, value });
    }
  }
  return manifest;
}

function describeRow(row: SiteAccuracies): string {
  return Object.entries(row)
    .map(([site, m]) => `${site} ${m.accuracy.toFixed(3)} (unseen ${(m.unseenShare * 100).toFixed(1)}%)`)
    .join(', ');
}

export function formatReport(report: RunReport): string {
  const sites = [...report.sites.initial, report.sites.new];
  const pad = (text: string, width: number): string => text.padEnd(width);
  const lines: string[] = [];
  lines.push('', 'Per-site accuracy on the held-out test images, served as the edge serves them (unseen share in brackets):');
  lines.push(`  ${pad('', 22)}${sites.map((s) => pad(s, 22)).join('')}`);
  report.matrix.forEach((row, r) => {
    const label = r === 0 ? 'untrained' : r === 1 ? 'after round 1' : `after round ${r}`;
    lines.push(`  ${pad(label, 22)}${sites.map((s) => pad(row[s] ? `${row[s].accuracy.toFixed(3)} (${(row[s].unseenShare * 100).toFixed(1)}%)` : '-', 22)).join('')}`);
  });
  const f = report.figures;
  lines.push('', `Per-task accuracy (mean over sites, last round): ${f.perTaskAccuracy.toFixed(4)}`);
  lines.push(`Backward transfer (BWT): ${f.bwt.toFixed(4)}    Forward transfer (FWT): ${f.fwt.toFixed(4)}`);
  const d = report.unseenDetection;
  lines.push(`Unseen detection in the round-1 feed: new-site recall ${d.newSiteRecall.toFixed(3)}, false alarms on known sites ${(d.falseAlarmRate * 100).toFixed(2)}%, precision ${d.precision.toFixed(3)}`);
  lines.push(`Labelled into the dataset: ${report.labelled.total} (${JSON.stringify(report.labelled.bySite)})`);
  lines.push('', 'Knowledge base contents (POST /knowledgebase/query):');
  for (const group of report.knowledgeBase.task_groups) {
    const current = group.models.find((m) => m.is_current);
    lines.push(`  ${pad(group.name, 16)} deploy=${group.deploy} tasks=${group.task_num} samples=${group.sample_num} models=${group.models.length} current=${current?.model_url ?? '-'}`);
  }
  const index = report.knowledgeBase.index;
  if (index) lines.push(`  index ${index.create_time}: seen ${index.seen_task_groups.join(', ')}; unseen ${index.unseen_task_groups.join(', ') || '-'}; labelled unseen samples ${index.statistics.labeled_unseen_samples}`);
  lines.push(`  tables: ${Object.entries(report.knowledgeBase.tables).map(([t, n]) => `${t} ${n}`).join(', ')}`);
  if (report.statusKnowledgeBase !== undefined) {
    lines.push('', 'The job\'s status.knowledgeBase (kubectl get ll -o yaml):');
    for (const line of stringify({ knowledgeBase: report.statusKnowledgeBase }).trimEnd().split('\n')) lines.push(`  ${line}`);
  }
  lines.push('', `Report: ${report.files.report}; ${report.statusKnowledgeBase === undefined ? `worker logs: ${report.files.logs}` : 'worker logs: kubectl logs <pod>'}`);
  return lines.join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      local: { type: 'boolean', default: false },
      kubeconfig: { type: 'string' },
      kubectl: { type: 'string' },
      keep: { type: 'boolean', default: false },
      'cloud-node': { type: 'string' },
      'edge-node': { type: 'string' },
      'train-threshold': { type: 'string' },
      'work-dir': { type: 'string', default: DEFAULT_WORK_DIR },
      'train-per-site': { type: 'string' },
      'feed-per-site': { type: 'string' },
      'new-site-feed': { type: 'string' },
      'test-per-site': { type: 'string' },
      epochs: { type: 'string' },
      'hidden-units': { type: 'string' },
      timeout: { type: 'string', default: '600' },
      quiet: { type: 'boolean', default: false },
      fresh: { type: 'boolean', default: false },
    },
  });
  if (values.local === (values.kubeconfig !== undefined)) {
    console.error('usage: run.ts --local [options]            the workers as local processes, no control plane\n       run.ts --kubeconfig FILE [options]    on a control plane (sedna up: .sedna/apiserver/kubeconfig)');
    process.exit(2);
  }
  const count = (name: string, value: string | undefined): number | undefined => {
    if (value === undefined) return undefined;
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got ${value}`);
    return n;
  };
  const workDir = values['work-dir'] as string;
  if (values.fresh && existsSync(path.join(workDir, 'data'))) await rm(path.join(workDir, 'data'), { recursive: true, force: true });
  const data: Omit<PrepareOptions, 'dataDir'> = {};
  const sizes = { trainPerSite: values['train-per-site'], feedPerSite: values['feed-per-site'], newSiteFeed: values['new-site-feed'], testPerSite: values['test-per-site'] };
  for (const [key, value] of Object.entries(sizes)) {
    const n = count(key, value);
    if (n !== undefined) (data as Record<string, number>)[key] = n;
  }
  const workerEnv: Record<string, string> = {};
  if (values.epochs !== undefined) workerEnv['epochs'] = String(count('epochs', values.epochs));
  if (values['hidden-units'] !== undefined) workerEnv['hidden_units'] = values['hidden-units'];
  const threshold = values['train-threshold'] === undefined ? undefined : Number(values['train-threshold']);
  if (threshold !== undefined && !(threshold >= 0)) throw new Error(`--train-threshold must be a number of samples, got ${values['train-threshold']}`);
  const cluster = values.kubeconfig === undefined
    ? undefined
    : {
        kubeconfig: values.kubeconfig,
        keep: values.keep,
        ...(values.kubectl !== undefined ? { kubectl: values.kubectl } : {}),
        ...(values['cloud-node'] !== undefined ? { cloudNode: values['cloud-node'] } : {}),
        ...(values['edge-node'] !== undefined ? { edgeNode: values['edge-node'] } : {}),
      };
  const report = await runExample({ workDir, data, workerEnv, ...(threshold !== undefined ? { trainThreshold: threshold } : {}), ...(cluster ? { cluster } : {}), timeoutMs: Number(values.timeout) * 1000, echo: !values.quiet });
  console.log(formatReport(report));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
