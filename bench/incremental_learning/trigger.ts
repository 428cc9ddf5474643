/**
 * The train trigger's figures of one round of a job: from the labeller's append that took the job's train samples
 * over the threshold (the dataset file's mtime at that append) to each step until the train worker's own first log
 * line. Shared by the bench's first round and its repeat rounds (repeats.ts).
 */
import { type DatasetAppends, findPodDir, firstTimedLogLine, type JobConditions, type Lines, type Pods, processStartedAt, type SeenPod } from './observe.js';

export interface TriggerCondition {
  metric: string;
  operator: string;
  threshold: number;
}

/** What the bench follows of a job's train worker while its round runs. */
export class TrainWorkerWatch {
  processAt: number | undefined;
  firstLog: { at: number; line: string } | undefined;
  private podDir: string | undefined;

  constructor(
    private readonly pods: Pods,
    private readonly job: string,
    private readonly nodesDir: string,
    private readonly namespace: string,
    private readonly log: (line: string) => void,
  ) {}

  get pod(): SeenPod | undefined {
    return this.pods.ofJob(this.job, 'train')[0];
  }

  /** One look: the pod's folder, its process start, and (when `readLog`) the worker's first timed log line. */
  async poll(readLog: boolean): Promise<void> {
    const pod = this.pod;
    if (!pod) return;
    this.podDir ??= await findPodDir(this.nodesDir, this.namespace, pod.name, pod.uid);
    if (!this.podDir) return;
    if (this.processAt === undefined) {
      this.processAt = await processStartedAt(this.podDir);
      if (this.processAt !== undefined) this.log(`the train worker's process started (${pod.name})`);
    }
    if (readLog && !this.firstLog) this.firstLog = await firstTimedLogLine(this.podDir);
  }
}

export interface TriggerObservations {
  /** The job's name: its LC log lines name it. */
  job: string;
  condition: TriggerCondition;
  trainProb: number;
  appends: DatasetAppends;
  lines: Lines;
  conditions: JobConditions;
  worker: TrainWorkerWatch;
  /** The labeller's lines per second: an append covers about half of that (it appends every 500 ms). */
  labelRate: number;
  log: (line: string) => void;
}

/** The trigger figures of a job's first round (ms from the crossing append), null where a step was not seen. */
export function triggerFigures(o: TriggerObservations): Record<string, unknown> & { trigger_to_train_start_ms: number | null; trigger_to_worker_ready_ms: number | null } {
  const linesNeeded = linesToFire(o.trainProb, o.condition.operator, Number(o.condition.threshold));
  const crossing = o.appends.crossing(linesNeeded);
  if (crossing && crossing.previous && crossing.append.lines - crossing.previous.lines > Math.ceil(o.labelRate / 2)) {
    o.log(`warning: the crossing record covers ${crossing.append.lines - crossing.previous.lines} lines, more than one append: its mtime is the later append's`);
  }
  const crossedAt = crossing?.append.mtimeMs;
  const since = (t: number | undefined): number | null => (crossedAt === undefined || t === undefined ? null : Math.round(t - crossedAt));
  const fired = o.lines.first(new RegExp(`job [^/]+/${escape(o.job)}: round 1: train trigger fired`));
  return {
    trigger_to_train_start_ms: since(o.worker.processAt),
    trigger_to_worker_ready_ms: since(o.worker.firstLog?.at),
    threshold: `${o.condition.metric} ${o.condition.operator} ${o.condition.threshold}`,
    train_prob: o.trainProb,
    dataset_lines_needed: linesNeeded,
    crossing_append: crossing ? { lines_before: crossing.previous?.lines ?? 0, lines_after: crossing.append.lines } : null,
    // What the LC counted when it fired: floor(train_prob × lines_after) when it fired on the crossing append itself.
    lc_fired_at_num_of_samples: Number(/num_of_samples = (\d+)/.exec(fired?.line ?? '')?.[1] ?? Number.NaN) || null,
    // Each from the crossing append's mtime, in ms.
    lc_trigger_fired_line_seen_ms: since(fired?.at),
    train_ready_seen_ms: since(o.conditions.find('Train', 'Ready')?.seenAt),
    train_pod_seen_ms: since(o.worker.pod?.seenAt),
    train_process_started_ms: since(o.worker.processAt),
    train_worker_first_log_line_ms: since(o.worker.firstLog?.at),
    train_worker_first_log_line: o.worker.firstLog?.line.slice(0, 200) ?? null,
  };
}

/**
 * Dataset lines after which the train trigger fires on a job's first round: the LC counts train samples as
 * floor(trainProb × samples seen) (packages/lc/src/managers/stagejob/sample-ledger.ts), and the trigger compares
 * that with the threshold.
 */
export function linesToFire(trainProb: number, operator: string, threshold: number): number {
  const holds: Record<string, (v: number) => boolean> = { '>': (v) => v > threshold, '>=': (v) => v >= threshold, '=': (v) => v === threshold, '==': (v) => v === threshold };
  const test = holds[operator];
  if (!test) throw new Error(`the bench reads the train trigger's operators > >= =, not ${operator}`);
  for (let n = 1; n < 10_000_000; n++) if (test(Math.floor(trainProb * n + 1e-9))) return n;
  throw new Error('the train trigger never fires');
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
