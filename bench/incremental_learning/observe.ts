/**
 * What the incremental learning bench watches, each with the finest honest clock it has (all epoch ms):
 * - the job's conditions and the job's Pods through watches on the API: the time this process saw each change
 *   (the conditions' own lastTransitionTime is RFC 3339 to the second, too coarse for these figures);
 * - the dataset file as the labeller appends to it: the file's mtime at each append (the kernel's clock of the write;
 *   one scheduler tick coarse), with its line count;
 * - a Pod's process start: the mtime of the `pid` file the LC's process wrapper writes as its first act, before it
 *   runs the worker program (packages/lc/src/runner/wrapper.ts);
 * - log lines of the control plane's processes, stamped when they reach this process.
 */
import { watch, type FSWatcher } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';

export interface SeenCondition {
  stage: string;
  type: string;
  /** Epoch ms the watch delivered it. */
  seenAt: number;
  lastTransitionTime: string;
  reason?: string;
  message?: string;
  data?: string;
}

export interface SeenPod {
  name: string;
  uid: string;
  workerType: string | undefined;
  /** Epoch ms the watch first delivered it (its creation, to within the watch's delay). */
  seenAt: number;
  object: PodObject;
}

export interface PodObject {
  metadata: { name: string; uid: string; labels?: Record<string, string> };
  status?: { phase?: string; containerStatuses?: { restartCount?: number; state?: Record<string, unknown> }[] };
}

/** Watches one namespace's objects at `path`; `onEvent` sees each with the time it arrived. */
async function watchPath<T>(kc: k8s.KubeConfig, path: string, onEvent: (type: string, object: T, at: number) => void, onFailure: (error: unknown) => void): Promise<AbortController> {
  return new k8s.Watch(kc).watch(path, {}, (type, object: T) => onEvent(type, object, Date.now()), (error: unknown) => {
    // The bench's watches live as long as the bench; an end before stop() means the numbers would miss events.
    if (error) onFailure(error);
  });
}

/** The conditions of one IncrementalLearningJob, appended as the GM writes them. */
export class JobConditions {
  readonly seen: SeenCondition[] = [];
  private abort: AbortController | undefined;
  private failure: unknown;

  constructor(
    private readonly kc: k8s.KubeConfig,
    private readonly namespace: string,
    private readonly name: string,
  ) {}

  async start(): Promise<void> {
    this.abort = await watchPath<{ metadata: { name: string }; status?: { conditions?: Omit<SeenCondition, 'seenAt'>[] } }>(
      this.kc,
      `/apis/sedna.io/v1alpha1/namespaces/${this.namespace}/incrementallearningjobs`,
      (_type, job, at) => {
        if (job.metadata.name !== this.name) return;
        // Conditions are append-only: the ones past what was seen are new.
        const conditions = job.status?.conditions ?? [];
        for (const c of conditions.slice(this.seen.length)) this.seen.push({ ...c, seenAt: at });
      },
      (error) => (this.failure = error),
    );
  }

  /** The first condition of `stage`/`type` at or after position `from`. */
  find(stage: string, type: string, from = 0): SeenCondition | undefined {
    return this.seen.slice(from).find((c) => c.stage === stage && c.type === type);
  }

  check(): void {
    if (this.failure) throw new Error(`the watch of the job failed: ${String(this.failure)}`);
  }

  stop(): void {
    this.abort?.abort();
  }
}

/** The Pods of a namespace, with the time each was first seen. */
export class Pods {
  readonly seen = new Map<string, SeenPod>();
  private abort: AbortController | undefined;
  private failure: unknown;

  constructor(
    private readonly kc: k8s.KubeConfig,
    private readonly namespace: string,
  ) {}

  async start(): Promise<void> {
    this.abort = await watchPath<PodObject>(
      this.kc,
      `/api/v1/namespaces/${this.namespace}/pods`,
      (type, pod, at) => {
        if (type === 'DELETED') return;
        const known = this.seen.get(pod.metadata.uid);
        if (known) known.object = pod;
        else this.seen.set(pod.metadata.uid, { name: pod.metadata.name, uid: pod.metadata.uid, workerType: pod.metadata.labels?.['incrementallearningjob.sedna.io/worker-type'], seenAt: at, object: pod });
      },
      (error) => (this.failure = error),
    );
  }

  ofType(workerType: string): SeenPod[] {
    return [...this.seen.values()].filter((p) => p.workerType === workerType).sort((a, b) => a.seenAt - b.seenAt);
  }

  /** The workers of one IncrementalLearningJob of a type, first seen first. */
  ofJob(job: string, workerType: string): SeenPod[] {
    return this.ofType(workerType).filter((p) => p.object.metadata.labels?.['incrementallearningjob.sedna.io/name'] === job);
  }

  check(): void {
    if (this.failure) throw new Error(`the watch of the pods failed: ${String(this.failure)}`);
  }

  stop(): void {
    this.abort?.abort();
  }
}

export interface Append {
  /** The file's mtime after the append (epoch ms). */
  mtimeMs: number;
  /** Non-empty lines after it. */
  lines: number;
  /** When this process read it. */
  readAt: number;
}

/**
 * Follows a dataset file that only grows and records each append. Reading right after each change event keeps one
 * record per append as long as appends are further apart than the read (the labeller appends every 500 ms); a
 * record that jumps over more than one append is flagged by `appendsMerged`.
 */
export class DatasetAppends {
  readonly appends: Append[] = [];
  private watcher: FSWatcher | undefined;
  private reading: Promise<void> | undefined;
  private again = false;
  private lastSize = -1;

  constructor(private readonly file: string) {}

  start(): void {
    this.watcher = watch(this.file, () => this.read());
  }

  private read(): void {
    if (this.reading) {
      this.again = true;
      return;
    }
    this.reading = (async () => {
      do {
        this.again = false;
        const info = await stat(this.file);
        if (info.size === this.lastSize) continue;
        this.lastSize = info.size;
        const text = await readFile(this.file, 'utf8');
        const readAt = Date.now();
        const lines = text.split('\n').filter((line) => line.trim() !== '').length;
        this.appends.push({ mtimeMs: info.mtimeMs, lines, readAt });
      } while (this.again);
    })().finally(() => (this.reading = undefined));
  }

  /** The first append after which the file has at least `lines` lines, and the one before it. */
  crossing(lines: number): { append: Append; previous: Append | undefined } | undefined {
    const index = this.appends.findIndex((a) => a.lines >= lines);
    return index < 0 ? undefined : { append: this.appends[index] as Append, previous: this.appends[index - 1] };
  }

  stop(): void {
    this.watcher?.close();
  }
}

/** Log lines with the time they arrived here. */
export class Lines {
  readonly lines: { at: number; line: string }[] = [];

  add(line: string): void {
    this.lines.push({ at: Date.now(), line });
  }

  first(pattern: RegExp, after = 0): { at: number; line: string } | undefined {
    return this.lines.find((l) => l.at >= after && pattern.test(l.line));
  }
}

/** The folder the LC's runner keeps a Pod in (`<lc data>/runner/pods/<ns>_<name>_<uid>`), found under `root`. */
export async function findPodDir(root: string, namespace: string, name: string, uid: string, depth = 5): Promise<string | undefined> {
  const wanted = `${namespace}_${name}_${uid}`;
  let entries;
  try {
    entries = await readdir(root, { withFileTypes: true });
  } catch {
    return undefined;
  }
  for (const entry of entries) if (entry.isDirectory() && entry.name === wanted) return join(root, entry.name);
  if (depth === 0) return undefined;
  for (const entry of entries) {
    if (!entry.isDirectory()) continue;
    const found = await findPodDir(join(root, entry.name), namespace, name, uid, depth - 1);
    if (found) return found;
  }
  return undefined;
}

/** The epoch ms a Pod's process started: the mtime of the pid file its wrapper writes first thing. */
export async function processStartedAt(podDir: string): Promise<number | undefined> {
  try {
    return (await stat(join(podDir, 'pid'))).mtimeMs;
  } catch {
    return undefined;
  }
}

/** The first line of a worker's log that starts with an ISO time, and that time. */
export async function firstTimedLogLine(podDir: string, pattern = /./): Promise<{ at: number; line: string } | undefined> {
  let text: string;
  try {
    text = await readFile(join(podDir, 'container.log'), 'utf8');
  } catch {
    return undefined;
  }
  for (const line of text.split('\n')) {
    const match = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z) /.exec(line);
    if (match && pattern.test(line)) return { at: Date.parse(match[1] as string), line };
  }
  return undefined;
}
