import { existsSync, mkdirSync, promises as fs, realpathSync } from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import type { PodStatus } from '@sedna/api';
import { DEFAULT_LOG_LIMITS, followLog, hasLog, readLog, rotateIfNeeded, type LogLimits } from './log-files.js';
import { loadPodFolder, savePod, type PersistedPodState } from './pod-state.js';
import { PodProcess, type PodProcessContext } from './pod-process.js';
import { asRunnablePod, parsePodDirName, podDirName, podKey, toPodRef, type PodRef, type RunnablePod } from './pod-ref.js';
import { DEFAULT_RESTART_BACKOFF, type RestartBackoffOptions } from './restart-policy.js';
import { WORKER_ENV } from '@sedna/api/contracts';

export interface ProcessRunnerOptions {
  /** Pod folders (state, logs, default working dirs) go to `<dataDir>/pods/<ns>_<name>_<uid>/`. */
  dataDir: string;
  /** The node's address: status.hostIP, and status.podIP unless `podIP` is given (embedded pods share the node's network). */
  hostIP: string;
  podIP?: string;
  /**
   * Called whenever a pod's status changes. Exceptions it throws are logged, not propagated. The pod passed is
   * the incarnation the status is about: after a replacement the old uid may report its end.
   */
  onStatus: (pod: RunnablePod, status: PodStatus) => void;
  /** Restart delays; defaults in DEFAULT_RESTART_BACKOFF (immediate, then 10 s doubling to 5 min, as a kubelet). */
  restartBackoff?: Partial<RestartBackoffOptions>;
  /** Upper bound on terminationGracePeriodSeconds (default: none). Tests set it low. */
  maxGracePeriodSeconds?: number;
  /** Log size cap and rotation (default 1 MiB live + 3 rotated files), how often the cap is checked (default 1 s), and how often a followed log is polled (default 200 ms). */
  logs?: Partial<LogLimits> & { checkIntervalMs?: number; followPollMs?: number };
  /** How often a re-adopted process is checked for its end (default 500 ms). */
  livenessPollMs?: number;
  /** Variables the LC gives every worker (under the pod's own env, which wins), e.g. where to serve metrics. */
  workerEnv?: (pod: RunnablePod) => Record<string, string>;
  /** Environment workers inherit their basics from (default process.env). */
  env?: NodeJS.ProcessEnv;
  warn?: (message: string) => void;
}

/** A pod as the runner sees it. */
export interface RunnerPodInfo {
  namespace: string;
  name: string;
  uid: string;
  status: PodStatus;
}

export interface LogOptions {
  /** Only the last lines. */
  tail?: number;
  /** Keep streaming while the container runs. */
  follow?: boolean;
  /** The previous run's log (the container restarted since). */
  previous?: boolean;
}

/**
 * A log that does not exist for what was asked, worded as a kubelet words it (kubectl shows it as is): the
 * container has not started yet, or there is no previous run. The API answers 400 Bad Request with it.
 */
export class LogUnavailableError extends Error {
  override readonly name = 'LogUnavailableError';
}

const DEFAULT_GRACE_PERIOD_SECONDS = 30;

/**
 * Runs the Pods bound to this node as local processes (embedded mode): the first container's command with its
 * environment and working dir, logs kept on disk with rotation, restart policy with backoff, status reported
 * on change, stop with grace period.
 *
 * Surviving an LC restart: workers are spawned detached (own session and process group) under a shell wrapper
 * that writes the logs, its pid and the worker's exit status into the pod folder (see wrapper.ts). Each pod
 * folder also holds the pod and the runner's state for it. A new runner calls `recover()`: it re-adopts the
 * processes still running (recognised by pid, /proc start time and their pod folder on the command line),
 * learns the exit status of those that ended meanwhile, and carries on with the restart policy.
 */
export class ProcessRunner {
  private readonly pods = new Map<string, PodProcess>();
  private readonly podsRoot: string;
  private readonly context: PodProcessContext;
  private readonly logLimits: LogLimits;
  private readonly followPollMs: number;
  private readonly maxGracePeriodSeconds: number | undefined;
  private readonly queues = new Map<string, Promise<unknown>>();
  private readonly rotationTimer: NodeJS.Timeout;
  private rotating = false;
  private closed = false;

  constructor(options: ProcessRunnerOptions) {
    if (!options.hostIP) throw new Error('ProcessRunner: hostIP is required');
    const backoff = { ...DEFAULT_RESTART_BACKOFF, ...options.restartBackoff };
    if (!(backoff.initialMs > 0) || !(backoff.maxMs >= backoff.initialMs)) {
      throw new Error(`ProcessRunner: restartBackoff needs 0 < initialMs <= maxMs (got ${backoff.initialMs}, ${backoff.maxMs})`);
    }
    const logLimits = { maxBytes: options.logs?.maxBytes ?? DEFAULT_LOG_LIMITS.maxBytes, maxFiles: options.logs?.maxFiles ?? DEFAULT_LOG_LIMITS.maxFiles };
    if (!(logLimits.maxBytes > 0) || !(logLimits.maxFiles >= 1) || !Number.isInteger(logLimits.maxFiles)) {
      throw new Error('ProcessRunner: logs.maxBytes must be > 0 and logs.maxFiles an integer >= 1');
    }
    this.logLimits = logLimits;
    this.followPollMs = options.logs?.followPollMs ?? 200;
    this.maxGracePeriodSeconds = options.maxGracePeriodSeconds;

    // The pod folder path is part of each worker's identity (its command line): resolve symlinks once so that a
    // runner started through another path to the same folder still recognises its workers.
    mkdirSync(path.join(options.dataDir, 'pods'), { recursive: true });
    this.podsRoot = realpathSync(path.join(options.dataDir, 'pods'));

    const onStatus = options.onStatus;
    this.context = {
      addresses: { hostIP: options.hostIP, podIP: options.podIP ?? options.hostIP },
      backoff,
      logLimits,
      parentEnv: options.env ?? process.env,
      workerEnv: options.workerEnv ?? (() => ({})),
      livenessPollMs: options.livenessPollMs ?? 500,
      report: (pod, status) => {
        if (!this.closed) onStatus(pod, status);
      },
      warn: options.warn ?? ((message) => console.warn(`[runner] ${message}`)),
    };
    this.rotationTimer = setInterval(() => void this.rotateLogs(), options.logs?.checkIntervalMs ?? 1000);
    this.rotationTimer.unref();
  }

  /**
   * Picks up the pods a previous runner left in the data dir. Call once, before the first `run`.
   * Returns how many pods it took back.
   */
  async recover(): Promise<number> {
    const found = new Map<string, { pod: RunnablePod; podDir: string; state: PersistedPodState | undefined }[]>();
    for (const entry of await fs.readdir(this.podsRoot, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const podDir = path.join(this.podsRoot, entry.name);
      const parsed = parsePodDirName(entry.name);
      if (!parsed) {
        this.context.warn(`ignoring ${podDir}: not a pod folder name`);
        continue;
      }
      try {
        const { pod, state } = loadPodFolder(podDir);
        const valid = asRunnablePod(pod);
        if (podDirName(valid.metadata) !== entry.name) throw new Error(`pod.json names ${podDirName(valid.metadata)}`);
        const key = podKey(valid.metadata);
        found.set(key, [...(found.get(key) ?? []), { pod: valid, podDir, state }]);
      } catch (error) {
        this.context.warn(`cannot recover ${podDir}: ${(error as Error).message}`);
      }
    }
    let adopted = 0;
    for (const [key, incarnations] of found) {
      if (this.pods.has(key)) continue;
      // Two uids under one name: the LC died while replacing a pod. The newest stays, the others are stopped.
      incarnations.sort((a, b) => (a.state?.startTime ?? '').localeCompare(b.state?.startTime ?? ''));
      const newest = incarnations.pop()!;
      for (const old of incarnations) {
        const oldProcess = PodProcess.adopt(old.pod, old.podDir, this.context, old.state);
        await this.stopAndRemove(oldProcess, this.gracePeriod(old.pod));
      }
      this.pods.set(key, PodProcess.adopt(newest.pod, newest.podDir, this.context, newest.state));
      adopted++;
    }
    return adopted;
  }

  /**
   * Runs a pod bound to this node. Idempotent: the same pod (same uid) again only refreshes the runner's copy;
   * a new uid under a known name stops the old pod first. A pod whose folder exists (an LC restart without
   * `recover()`) is re-adopted rather than started twice.
   */
  async run(pod: RunnablePod): Promise<void> {
    const valid = asRunnablePod(pod);
    const key = podKey(valid.metadata);
    return this.serialized(key, async () => {
      if (this.closed) throw new Error('ProcessRunner: closed');
      const existing = this.pods.get(key);
      if (existing && existing.key.uid === valid.metadata.uid) {
        existing.update(valid);
        return;
      }
      if (existing) {
        await this.stopAndRemove(existing, this.gracePeriod(existing.current));
        this.pods.delete(key);
      }
      const podDir = path.join(this.podsRoot, podDirName(valid.metadata));
      if (existsSync(path.join(podDir, 'pod.json'))) {
        let state: PersistedPodState | undefined;
        try {
          state = loadPodFolder(podDir).state;
        } catch (error) {
          // Without its state the pod is taken back from what the wrapper left: its pid file and exit status.
          this.context.warn(`pod folder ${podDir}: ${(error as Error).message}; recovering from the wrapper's files`);
        }
        savePod(podDir, valid);
        this.pods.set(key, PodProcess.adopt(valid, podDir, this.context, state));
      } else {
        this.pods.set(key, PodProcess.start(valid, podDir, this.context));
      }
    });
  }

  /** A changed copy of a pod: same as `run` (a new uid replaces the old pod, an unknown pod starts). */
  async update(pod: RunnablePod): Promise<void> {
    return this.run(pod);
  }

  /**
   * Stops a pod (it was deleted): SIGTERM to its process group, SIGKILL after the grace period
   * (`gracePeriodSeconds`, else the pod's terminationGracePeriodSeconds, else 30 s; capped by
   * maxGracePeriodSeconds), waits for the exit, then removes its folder and logs.
   * With a `uid`, only that incarnation is stopped. Returns false when no such pod runs here.
   */
  async stop(podRef: PodRef | string, options: { gracePeriodSeconds?: number } = {}): Promise<boolean> {
    const ref = toPodRef(podRef);
    const key = podKey(ref);
    return this.serialized(key, async () => {
      const existing = this.pods.get(key);
      if (!existing || (ref.uid !== undefined && ref.uid !== existing.key.uid)) return false;
      await this.stopAndRemove(existing, this.gracePeriod(existing.current, options.gracePeriodSeconds));
      this.pods.delete(key);
      return true;
    });
  }

  /** Stops every pod (LC shutdown that takes its workers down). */
  async stopAll(options: { gracePeriodSeconds?: number } = {}): Promise<void> {
    await Promise.all([...this.pods.values()].map((pod) => this.stop(pod.key, options)));
  }

  /** The pods this runner has, with their current status. */
  list(): RunnerPodInfo[] {
    return [...this.pods.values()].map((pod) => ({ ...pod.key, status: pod.status() }));
  }

  get(ref: PodRef | string): RunnerPodInfo | undefined {
    const pod = this.find(toPodRef(ref));
    return pod ? { ...pod.key, status: pod.status() } : undefined;
  }

  /**
   * True when a pod in `namespace` is this worker: its name, or the WORKER_NAME its first container gets
   * (Sedna names workers apart from their pods). The worker report server's `isKnownWorker` hook.
   */
  hasWorker(name: string, namespace: string): boolean {
    for (const pod of this.pods.values()) {
      const { metadata, spec } = pod.current;
      if (metadata.namespace !== namespace) continue;
      if (metadata.name === name) return true;
      if (spec.containers[0]?.env?.some((envVar) => envVar.name === WORKER_ENV.WORKER_NAME && envVar.value === name)) return true;
    }
    return false;
  }

  /**
   * The controller owner of the pod that runs worker `name` (the pod's name or its WORKER_NAME) in `namespace`:
   * its kind in lower case (e.g. `federatedlearningjob`) and name; undefined for an unknown worker or a bare pod.
   */
  workerOwner(name: string, namespace: string): { kind: string; name: string } | undefined {
    for (const pod of this.pods.values()) {
      const { metadata, spec } = pod.current;
      if (metadata.namespace !== namespace) continue;
      const isIt = metadata.name === name || spec.containers[0]?.env?.some((envVar) => envVar.name === WORKER_ENV.WORKER_NAME && envVar.value === name);
      if (!isIt) continue;
      const owners = metadata.ownerReferences ?? [];
      const owner = owners.find((ref) => ref.controller === true) ?? owners[0];
      return owner ? { kind: owner.kind.toLowerCase(), name: owner.name } : undefined;
    }
    return undefined;
  }

  /** The pod's log (stdout and stderr interleaved): the text, or with `follow` a stream that ends with the run. */
  logs(ref: PodRef | string, options: LogOptions & { follow: true }): Readable;
  logs(ref: PodRef | string, options?: LogOptions & { follow?: false }): Promise<string>;
  logs(podRef: PodRef | string, options: LogOptions = {}): Readable | Promise<string> {
    // Bad arguments reject the promise, or throw when a stream was asked for.
    const fail = (message: string) => {
      if (options.follow) throw new Error(message);
      return Promise.reject(new Error(message));
    };
    let ref: PodRef;
    try {
      ref = toPodRef(podRef);
    } catch (error) {
      return fail((error as Error).message);
    }
    const pod = this.find(ref);
    if (!pod) return fail(`pod ${podKey(ref)}${ref.uid ? ` (${ref.uid})` : ''} is not run by this node`);
    if (options.tail !== undefined && (!Number.isInteger(options.tail) || options.tail < 0)) {
      return fail(`logs: tail must be a non-negative integer (got ${options.tail})`);
    }
    const container = pod.current.spec.containers[0]?.name ?? '';
    const podName = pod.key.name;
    if (options.previous) {
      const read = async (): Promise<string> => {
        if (!(await hasLog(pod.podDir, 'previous'))) throw new LogUnavailableError(`previous terminated container "${container}" in pod "${podName}" not found`);
        return (await readLog(pod.podDir, this.logLimits, options.tail, 'previous')).text.toString('utf8');
      };
      if (options.follow) throw new Error('logs: follow and previous cannot be combined');
      return read();
    }
    const waiting = pod.status().containerStatuses?.[0]?.state?.waiting;
    if (waiting && pod.status().phase === 'Pending') {
      const message = `container "${container}" in pod "${podName}" is waiting to start: ${waiting.reason ?? 'ContainerCreating'}`;
      if (options.follow) throw new LogUnavailableError(message);
      return Promise.reject(new LogUnavailableError(message));
    }
    if (options.follow) {
      return followLog(pod.podDir, this.logLimits, {
        ...(options.tail !== undefined ? { tail: options.tail } : {}),
        pollMs: this.followPollMs,
        isActive: () => pod.isRunning && this.pods.get(podKey(ref)) === pod,
      });
    }
    return readLog(pod.podDir, this.logLimits, options.tail).then(({ text }) => text.toString('utf8'));
  }

  /** Lets go of every pod without stopping it (the processes keep running for the next runner to re-adopt). */
  close(): void {
    this.closed = true;
    clearInterval(this.rotationTimer);
    for (const pod of this.pods.values()) pod.detach();
    this.pods.clear();
  }

  private find(ref: PodRef): PodProcess | undefined {
    const pod = this.pods.get(podKey(ref));
    return pod && (ref.uid === undefined || ref.uid === pod.key.uid) ? pod : undefined;
  }

  private gracePeriod(pod: RunnablePod, requested?: number): number {
    const seconds = requested ?? pod.spec.terminationGracePeriodSeconds ?? DEFAULT_GRACE_PERIOD_SECONDS;
    return this.maxGracePeriodSeconds !== undefined ? Math.min(seconds, this.maxGracePeriodSeconds) : seconds;
  }

  private async stopAndRemove(pod: PodProcess, gracePeriodSeconds: number): Promise<void> {
    await pod.stop(gracePeriodSeconds);
    pod.detach();
    await fs.rm(pod.podDir, { recursive: true, force: true });
  }

  private async rotateLogs(): Promise<void> {
    if (this.rotating) return;
    this.rotating = true;
    try {
      for (const pod of this.pods.values()) {
        await rotateIfNeeded(pod.podDir, this.logLimits).catch((error: Error) =>
          this.context.warn(`rotating the log in ${pod.podDir}: ${error.message}`),
        );
      }
    } finally {
      this.rotating = false;
    }
  }

  /** Operations on one pod key run one after the other (a replacement must not race its own stop). */
  private serialized<T>(key: string, action: () => Promise<T>): Promise<T> {
    const previous = this.queues.get(key) ?? Promise.resolve();
    const next = previous.then(action, action);
    const settled = next.catch(() => undefined);
    this.queues.set(key, settled);
    void settled.then(() => {
      if (this.queues.get(key) === settled) this.queues.delete(key);
    });
    return next;
  }
}
