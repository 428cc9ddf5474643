/**
 * Incremental and lifelong learning metrics that live in a job's status (its append-only stage conditions, whose
 * `data` carries each stage's input and output): the iteration number, the train and eval sample counts of the
 * round, the eval metrics of the new and the old model, the deploy status and the model URLs of the round. The GM
 * computes them at scrape time from its cache of the jobs. One set per kind, under the kind's prefix
 * (`sedna_incremental_learning_*`, `sedna_lifelong_learning_*`).
 */
import { Gauge, type Registry } from 'prom-client';
import { BoundedLabel } from '../bounded.js';
import type { ObservedObject } from './system.js';

interface StageCondition {
  stage?: string;
  type?: string;
  data?: string;
}

interface StageData {
  input?: { models?: { url?: string; metrics?: Record<string, unknown> }[]; numberOfSamples?: number; round?: number };
  output?: { models?: { url?: string; metrics?: Record<string, unknown> }[] };
}

function parseData(c: StageCondition): StageData {
  if (!c.data) return {};
  try {
    const v = JSON.parse(c.data) as unknown;
    return v && typeof v === 'object' ? (v as StageData) : {};
  } catch {
    return {};
  }
}

/** The last condition matching `pred`, with its parsed data. */
function lastWhere(conditions: readonly StageCondition[], pred: (c: StageCondition) => boolean): { c: StageCondition; data: StageData } | undefined {
  for (let i = conditions.length - 1; i >= 0; i--) if (pred(conditions[i]!)) return { c: conditions[i]!, data: parseData(conditions[i]!) };
  return undefined;
}

/** Figures of one stage job, as pure data (tested on its own). */
export interface StageJobFigures {
  iteration?: number;
  trainSamples?: number;
  evalSamples?: number;
  /** metric name -> value, of the model evaluated (new) and the one it was compared with (old). */
  evalMetrics: { model: 'new' | 'old'; metric: string; value: number }[];
  /** Waiting, OK or NotOK, once the job has reached a deploy stage. */
  deployStatus?: 'Waiting' | 'OK' | 'NotOK';
  modelUrls: { role: 'train_output' | 'eval_new' | 'deploy'; url: string }[];
}

function numericMetrics(metrics: Record<string, unknown> | undefined): [string, number][] {
  const out: [string, number][] = [];
  for (const [k, v] of Object.entries(metrics ?? {})) {
    const n = typeof v === 'number' ? v : Array.isArray(v) && typeof v[0] === 'number' ? v[0] : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
    if (Number.isFinite(n)) out.push([k, n]);
  }
  return out;
}

export function stageJobFigures(conditions: readonly StageCondition[] | undefined): StageJobFigures {
  const list = conditions ?? [];
  const figures: StageJobFigures = { evalMetrics: [], modelUrls: [] };
  const withRound = lastWhere(list, (c) => parseData(c).input?.round !== undefined);
  if (withRound) figures.iteration = withRound.data.input!.round!;
  const trainReady = lastWhere(list, (c) => c.stage === 'Train' && c.type === 'Ready');
  if (trainReady?.data.input?.numberOfSamples !== undefined) figures.trainSamples = trainReady.data.input.numberOfSamples;
  const evalReady = lastWhere(list, (c) => c.stage === 'Eval' && c.type === 'Ready');
  if (evalReady?.data.input?.numberOfSamples !== undefined) figures.evalSamples = evalReady.data.input.numberOfSamples;
  const evalNew = evalReady?.data.input?.models?.[0]?.url;
  if (evalNew) figures.modelUrls.push({ role: 'eval_new', url: evalNew });
  const evalDone = lastWhere(list, (c) => c.stage === 'Eval' && c.type === 'Completed');
  const evaluated = evalDone?.data.output?.models ?? [];
  (['new', 'old'] as const).forEach((model, i) => {
    for (const [metric, value] of numericMetrics(evaluated[i]?.metrics)) figures.evalMetrics.push({ model, metric, value });
  });
  const trainDone = lastWhere(list, (c) => c.stage === 'Train' && c.type === 'Completed');
  const trained = trainDone?.data.output?.models?.[0]?.url;
  if (trained) figures.modelUrls.push({ role: 'train_output', url: trained });
  const deploy = lastWhere(list, (c) => c.stage === 'Deploy');
  if (deploy) figures.deployStatus = deploy.c.type === 'Completed' ? 'OK' : deploy.c.type === 'Failed' ? 'NotOK' : 'Waiting';
  const deployReady = lastWhere(list, (c) => c.stage === 'Deploy' && c.type === 'Ready');
  const deployed = deployReady?.data.input?.models?.[0]?.url;
  if (deployed) figures.modelUrls.push({ role: 'deploy', url: deployed });
  return figures;
}

export const DEPLOY_STATUSES = ['Waiting', 'OK', 'NotOK'] as const;

/** Registers the stage job gauges of one kind; `prefix` is e.g. `sedna_incremental_learning`. */
export function stageJobMetrics(registry: Registry, prefix: string, jobs: () => readonly ObservedObject[]): void {
  const figuresOf = () =>
    jobs().map((job) => ({
      labels: { namespace: job.metadata.namespace ?? '', name: job.metadata.name ?? '' },
      figures: stageJobFigures((job.status as { conditions?: StageCondition[] } | undefined)?.conditions),
    }));
  const simple = (suffix: string, help: string, pick: (f: StageJobFigures) => number | undefined) =>
    new Gauge({
      name: `${prefix}_${suffix}`,
      help,
      labelNames: ['namespace', 'name'],
      registers: [registry],
      collect() {
        this.reset();
        for (const { labels, figures } of figuresOf()) {
          const v = pick(figures);
          if (v !== undefined) this.set(labels, v);
        }
      },
    });
  simple('iteration', 'The current iteration (round) of the job (IterationNo)', (f) => f.iteration);
  simple('train_samples', 'Samples in the train data of the current round (TrainSampleNum)', (f) => f.trainSamples);
  simple('eval_samples', 'Samples in the eval data of the current round (EvalSampleNum)', (f) => f.evalSamples);
  // Metric names come from the eval worker's code: few in practice, but capped so a worker cannot flood.
  const metricNames = new BoundedLabel(32);
  new Gauge({
    name: `${prefix}_eval_metric`,
    help: 'Eval metrics of the last evaluation, of the new model and of the old one it was compared with (AccuracyMetricForNewModel, AccuracyMetricForOldModel)',
    labelNames: ['namespace', 'name', 'model', 'metric'],
    registers: [registry],
    collect() {
      this.reset();
      for (const { labels, figures } of figuresOf()) for (const m of figures.evalMetrics) this.set({ ...labels, model: m.model, metric: metricNames.value(m.metric) }, m.value);
    },
  });
  new Gauge({
    name: `${prefix}_deploy_status`,
    help: 'The deploy status of the job: 1 for the current one of Waiting, OK, NotOK (DeployStatus)',
    labelNames: ['namespace', 'name', 'status'],
    registers: [registry],
    collect() {
      this.reset();
      for (const { labels, figures } of figuresOf()) {
        if (figures.deployStatus) for (const s of DEPLOY_STATUSES) this.set({ ...labels, status: s }, s === figures.deployStatus ? 1 : 0);
      }
    },
  });
  new Gauge({
    name: `${prefix}_model_info`,
    help: 'A constant 1 naming the model URLs of the current round: role train_output, eval_new or deploy (TrainOutputModelUrl, EvalNewModelUrl, DeployModelUrl); one series per round',
    labelNames: ['namespace', 'name', 'role', 'url'],
    registers: [registry],
    collect() {
      this.reset();
      for (const { labels, figures } of figuresOf()) for (const m of figures.modelUrls) this.set({ ...labels, role: m.role, url: m.url }, 1);
    },
  });
}

/** One figure of one task (a task group of the knowledge base) of a lifelong learning job. */
export interface TaskFigure {
  task: string;
  metric: string;
  value: number;
}

/**
 * The per-task metrics of a lifelong learning job: the `current_metric` (task group to its metrics) its train and
 * eval workers report with the knowledge base index, from the latest stage that reported one (an evaluation
 * rescores the tasks a training made, a new training adds tasks).
 */
export function lifelongTaskFigures(conditions: readonly StageCondition[] | undefined): TaskFigure[] {
  const withTasks = lastWhere(conditions ?? [], (c) => c.type === 'Completed' && (c.stage === 'Train' || c.stage === 'Eval') && (parseData(c).output?.models ?? []).some((m) => isRecord((m as { current_metric?: unknown }).current_metric)));
  if (!withTasks) return [];
  const out: TaskFigure[] = [];
  for (const model of withTasks.data.output?.models ?? []) {
    const perTask = (model as { current_metric?: unknown }).current_metric;
    if (!isRecord(perTask)) continue;
    for (const [task, metrics] of Object.entries(perTask)) {
      if (!isRecord(metrics)) continue;
      for (const [metric, value] of numericMetrics(metrics)) out.push({ task, metric, value });
    }
  }
  return out;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** `sedna_lifelong_learning_task_metric`: each task's metrics, from the jobs' stage conditions at scrape time. */
export function lifelongTaskMetrics(registry: Registry, jobs: () => readonly ObservedObject[]): void {
  // Task names come from the knowledge base and metric names from the workers' code: both capped.
  const taskNames = new BoundedLabel(200);
  const metricNames = new BoundedLabel(32);
  new Gauge({
    name: 'sedna_lifelong_learning_task_metric',
    help: 'Metrics of each task (task group) of the knowledge base, as the last training or evaluation reported them: its eval scores, precision, samples (train samples), test_samples (per-task metrics)',
    labelNames: ['namespace', 'name', 'task', 'metric'],
    registers: [registry],
    collect() {
      this.reset();
      for (const job of jobs()) {
        const labels = { namespace: job.metadata.namespace ?? '', name: job.metadata.name ?? '' };
        for (const f of lifelongTaskFigures((job.status as { conditions?: StageCondition[] } | undefined)?.conditions)) {
          this.set({ ...labels, task: taskNames.value(f.task), metric: metricNames.value(f.metric) }, f.value);
        }
      }
    },
  });
}
