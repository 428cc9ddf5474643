import type { ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { once } from 'node:events';
import path from 'node:path';
import { constants as osConstants } from 'node:os';
import type { PodStatus } from '@sedna/api';
import { checkWorkingDir, commandLine, ContainerStartError, resolveExecutable } from './command.js';
import { prepareVolumes } from './volumes.js';
import { ContainerConfigError, containerEnv, expandReferences, type PodAddresses } from './container-env.js';
import { terminationFromStatus, timestamp, type Termination } from './lifecycle.js';
import { saveState, savePod, type PersistedPodState } from './pod-state.js';
import type { RunnablePod } from './pod-ref.js';
import { groupHasLiveMembers, isOurLiveProcess, readProcStart, signalGroup } from './proc.js';
import { archiveRunLog, type LogLimits } from './log-files.js';
import { backoffStep, configRetryStep, shouldRestart, type RestartBackoffOptions } from './restart-policy.js';
import { buildPodStatus } from './status.js';
import { readExitStatus, readWrapperPid, spawnWrapped } from './wrapper.js';

/** What every pod of a runner shares. */
export interface PodProcessContext {
  addresses: PodAddresses;
  backoff: RestartBackoffOptions;
  /** Where the previous run's log goes when the container starts again (`kubectl logs --previous`). */
  logLimits: LogLimits;
  /** The LC's environment, from which workers inherit only the basics. */
  parentEnv: NodeJS.ProcessEnv;
  /** Variables the LC gives every worker, under the container's own. */
  workerEnv: (pod: RunnablePod) => Record<string, string>;
  /** How often a process this runner did not spawn itself (re-adopted after a restart) is checked for its end. */
  livenessPollMs: number;
  report: (pod: RunnablePod, status: PodStatus) => void;
  warn: (message: string) => void;
}

/** Exit status for a process killed by SIGKILL, as a shell would report it. */
const SIGKILL_STATUS = 128 + osConstants.signals.SIGKILL;
/** How long to wait for a SIGKILLed group to be gone before giving up on it (a process stuck in the kernel). */
const AFTER_KILL_WAIT_MS = 10_000;

/**
 * One pod under the runner: prepares and spawns its first container, watches the process end, applies the
 * restart policy with backoff, stops it on request, and keeps its state on disk and its status reported.
 */
export class PodProcess {
  private state: PersistedPodState;
  private readySince: string;
  private lastReported = '';
  private lastReady: boolean | undefined;
  /** Set once the pod is being stopped: nothing restarts any more. */
  private stopping = false;
  /** Set when the runner lets go of the pod without stopping it (LC shutdown): events are ignored. */
  private detached = false;
  private restartTimer: NodeJS.Timeout | undefined;
  private livenessTimer: NodeJS.Timeout | undefined;
  private preparing: Promise<void> | undefined;
  /** Resolves when the process of the current run is gone. */
  private exited: Promise<void> = Promise.resolve();
  private markExited: () => void = () => {};

  private constructor(
    private pod: RunnablePod,
    readonly podDir: string,
    private readonly context: PodProcessContext,
    state: PersistedPodState,
  ) {
    this.state = state;
    this.readySince = state.startTime;
  }

  /** A pod the runner has not seen before: record it and start its container. */
  static start(pod: RunnablePod, podDir: string, context: PodProcessContext): PodProcess {
    mkdirSync(podDir, { recursive: true, mode: 0o700 });
    const state = freshPodState();
    const podProcess = new PodProcess(pod, podDir, context, state);
    savePod(podDir, pod);
    podProcess.persist();
    podProcess.startRun();
    return podProcess;
  }

  /**
   * A pod found on disk by a restarted runner: re-adopt its process if it still runs, learn how it ended if it
   * ended meanwhile, and carry on from there.
   */
  static adopt(pod: RunnablePod, podDir: string, context: PodProcessContext, saved: PersistedPodState | undefined): PodProcess {
    const state = saved ?? freshPodState();
    const podProcess = new PodProcess(pod, podDir, context, state);
    podProcess.resume();
    return podProcess;
  }

  get key(): { namespace: string; name: string; uid: string } {
    const { namespace, name, uid } = this.pod.metadata;
    return { namespace, name, uid };
  }

  get current(): RunnablePod {
    return this.pod;
  }

  /** True while a process of this pod runs (logs may still grow). */
  get isRunning(): boolean {
    return this.state.lifecycle.kind === 'running';
  }

  status(): PodStatus {
    return buildPodStatus(this.pod, this.state, this.context.addresses, this.readySince);
  }

  /** A newer copy of the same pod (same uid): kept for the next run (downward-API values, grace period). */
  update(pod: RunnablePod): void {
    this.pod = pod;
    this.guard('saving the updated pod', () => savePod(this.podDir, pod));
    this.report();
  }

  /**
   * Ends the pod: SIGTERM to its whole process group, SIGKILL after the grace period, and waits until the
   * process is gone. Nothing restarts afterwards.
   */
  async stop(gracePeriodSeconds: number): Promise<void> {
    this.stopping = true;
    clearTimeout(this.restartTimer);
    await this.preparing;
    const { lifecycle } = this.state;
    if (lifecycle.kind !== 'running') return;
    const pgid = lifecycle.pid;
    signalGroup(pgid, 'SIGTERM');
    if (!(await this.exitedWithin(gracePeriodSeconds * 1000))) signalGroup(pgid, 'SIGKILL');
    // The wrapper's end is not the group's: wait until every process of it is gone (SIGKILLing stragglers).
    const deadline = Date.now() + AFTER_KILL_WAIT_MS;
    while (!(await this.exitedWithin(0)) || groupHasLiveMembers(pgid)) {
      if (Date.now() > deadline) {
        this.context.warn(`pod ${this.describe()}: process group ${pgid} still there ${AFTER_KILL_WAIT_MS} ms after SIGKILL`);
        return;
      }
      signalGroup(pgid, 'SIGKILL');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** Lets go of the pod without touching its process: a later runner re-adopts it. */
  detach(): void {
    this.detached = true;
    clearTimeout(this.restartTimer);
    clearInterval(this.livenessTimer);
  }

  private resume(): void {
    const { lifecycle } = this.state;
    switch (lifecycle.kind) {
      case 'creating': {
        // The LC may have died between spawning the wrapper and recording its pid: the wrapper wrote it too.
        const pid = readWrapperPid(this.podDir);
        if (pid !== undefined && isOurLiveProcess({ pid }, this.podDir)) {
          this.watchAdopted(pid, readProcStart(pid), timestamp());
        } else if (readExitStatus(this.podDir) !== undefined) {
          this.runEnded(this.endOfRunWhileAway(undefined));
        } else {
          this.startRun();
        }
        break;
      }
      case 'running':
        if (isOurLiveProcess({ pid: lifecycle.pid, procStart: lifecycle.procStart }, this.podDir)) {
          this.watchAdopted(lifecycle.pid, lifecycle.procStart, lifecycle.startedAt);
        } else {
          this.runEnded(this.endOfRunWhileAway(lifecycle.startedAt));
        }
        break;
      case 'backoff':
        this.scheduleRestart(lifecycle.delayMs, lifecycle.termination);
        this.report();
        break;
      case 'configError':
        this.scheduleConfigRetry(lifecycle.delayMs);
        this.report();
        break;
      case 'finished':
        this.report();
        break;
    }
  }

  /** How a run ended while no runner watched it: the wrapper's record, or unknown if it was killed outright. */
  private endOfRunWhileAway(startedAt: string | undefined): Termination {
    const exitStatus = readExitStatus(this.podDir);
    if (exitStatus !== undefined) return terminationFromStatus(exitStatus, startedAt, timestamp());
    return {
      exitCode: SIGKILL_STATUS,
      reason: 'ContainerStatusUnknown',
      message: 'The container could not be located when the local controller restarted',
      ...(startedAt !== undefined ? { startedAt } : {}),
      finishedAt: timestamp(),
    };
  }

  private startRun(): void {
    // A retry after a config error stays in that state until it spawns or fails again, as a kubelet's does: the
    // STATUS column does not flap to ContainerCreating on every retry.
    if (this.state.lifecycle.kind !== 'configError') this.setLifecycle({ kind: 'creating' });
    const preparing = this.prepareAndSpawn().catch((error: unknown) => this.startFailed(error));
    this.preparing = preparing;
    void preparing.finally(() => {
      if (this.preparing === preparing) this.preparing = undefined;
    });
  }

  private async prepareAndSpawn(): Promise<void> {
    const container = this.pod.spec.containers[0];
    if (container === undefined) throw new ContainerConfigError('spec.containers is empty');
    const argv = commandLine(container);
    const { env: own, declared } = containerEnv(this.pod, container, this.context.addresses, this.context.parentEnv);
    const env = { ...this.context.workerEnv(this.pod), ...own };
    const expanded = argv.map((arg) => expandReferences(arg, declared));
    prepareVolumes(this.pod, container, this.podDir);
    const cwd = container.workingDir ?? this.defaultWorkingDir();
    await checkWorkingDir(cwd);
    const program = await resolveExecutable(expanded[0] as string, env.PATH, cwd);
    if (this.stopping || this.detached) return;
    if (this.state.lifecycle.kind !== 'creating') this.setLifecycle({ kind: 'creating' });

    const child = spawnWrapped(this.podDir, [program, ...expanded.slice(1)], { cwd, env });
    if (child.pid === undefined) {
      const [error] = (await once(child, 'error')) as [Error];
      throw new ContainerStartError(`cannot start the container's process: ${error.message}`);
    }
    child.unref(); // workers outlive the LC's event loop; the LC may exit and re-adopt them later
    this.watchSpawned(child, child.pid);
  }

  /**
   * With no workingDir the container runs in a folder of its own inside the pod folder: the analogue of a
   * container's writable layer, private to the pod and removed with it.
   */
  private defaultWorkingDir(): string {
    const dir = path.join(this.podDir, 'workdir');
    mkdirSync(dir, { recursive: true });
    return dir;
  }

  private startFailed(error: unknown): void {
    if (this.detached) return;
    const finishedAt = timestamp();
    if (error instanceof ContainerConfigError) {
      // As a kubelet does: the pod stays (Pending if it never ran), its container waits with the reason, and the
      // runner tries again later on a growing delay. No run happened, so the restart policy does not apply.
      if (this.stopping) return;
      const { delayMs, nextBackoffMs } = configRetryStep(this.state.nextBackoffMs, this.context.backoff);
      this.state.nextBackoffMs = nextBackoffMs;
      this.setLifecycle({ kind: 'configError', delayMs, message: error.message });
      this.scheduleConfigRetry(delayMs);
      return;
    }
    const message = error instanceof ContainerStartError ? error.message : `cannot start the container: ${(error as Error).message}`;
    this.runEnded({ exitCode: 128, reason: 'StartError', message, finishedAt });
  }

  private beginRun(pid: number, procStart: string | undefined, startedAt: string): void {
    let markExited!: () => void;
    this.exited = new Promise<void>((resolve) => (markExited = resolve));
    this.markExited = markExited;
    this.setLifecycle({ kind: 'running', pid, ...(procStart !== undefined ? { procStart } : {}), startedAt });
  }

  private watchSpawned(child: ChildProcess, pid: number): void {
    const startedAt = timestamp();
    this.beginRun(pid, readProcStart(pid), startedAt);
    child.once('exit', (code, signal) => {
      // The wrapper's record is the worker's status; without one the wrapper itself was killed (SIGKILL to the group).
      const status = readExitStatus(this.podDir) ?? (signal !== null ? 128 + osConstants.signals[signal] : (code ?? SIGKILL_STATUS));
      this.processGone(pid, terminationFromStatus(status, startedAt, timestamp()));
    });
  }

  private watchAdopted(pid: number, procStart: string | undefined, startedAt: string): void {
    this.beginRun(pid, procStart, startedAt);
    // Not our child: nothing tells us when it ends, so look, and read the status its wrapper left.
    this.livenessTimer = setInterval(() => {
      if (isOurLiveProcess({ pid, ...(procStart !== undefined ? { procStart } : {}) }, this.podDir)) return;
      clearInterval(this.livenessTimer);
      this.processGone(pid, this.endOfRunWhileAway(startedAt));
    }, this.context.livenessPollMs);
    this.livenessTimer.unref();
  }

  private processGone(pgid: number, termination: Termination): void {
    // Like a container runtime ending the container: whatever the worker left behind in its group goes too.
    signalGroup(pgid, 'SIGKILL');
    this.markExited();
    if (this.detached) return;
    this.runEnded(termination);
  }

  private runEnded(termination: Termination): void {
    const policy = this.pod.spec.restartPolicy;
    if (this.stopping || !shouldRestart(policy, termination.exitCode)) {
      this.setLifecycle({ kind: 'finished', termination });
      return;
    }
    const ranForMs =
      termination.startedAt !== undefined ? Date.parse(termination.finishedAt) - Date.parse(termination.startedAt) : undefined;
    const { delayMs, nextBackoffMs } = backoffStep(this.state.nextBackoffMs, ranForMs, this.context.backoff);
    this.state.nextBackoffMs = nextBackoffMs;
    if (delayMs === 0) {
      this.restart(termination);
      return;
    }
    this.setLifecycle({ kind: 'backoff', delayMs, termination });
    this.scheduleRestart(delayMs, termination);
  }

  private scheduleRestart(delayMs: number, termination: Termination): void {
    clearTimeout(this.restartTimer);
    this.restartTimer = setTimeout(() => {
      if (this.stopping || this.detached) return;
      this.restart(termination);
    }, delayMs);
  }

  /** The next run: the ended run's log becomes the previous one, and the container starts again. */
  private restart(termination: Termination): void {
    this.state.lastTermination = termination;
    this.state.restartCount += 1;
    this.guard('keeping the previous run\'s log', () => archiveRunLog(this.podDir, this.context.logLimits));
    this.startRun();
  }

  private scheduleConfigRetry(delayMs: number): void {
    clearTimeout(this.restartTimer);
    this.restartTimer = setTimeout(() => {
      if (this.stopping || this.detached) return;
      this.startRun();
    }, delayMs);
  }

  private setLifecycle(lifecycle: PersistedPodState['lifecycle']): void {
    this.state.lifecycle = lifecycle;
    this.persist();
    this.report();
  }

  private persist(): void {
    this.guard('saving its state', () => saveState(this.podDir, this.state));
  }

  private report(): void {
    const ready = this.state.lifecycle.kind === 'running';
    if (this.lastReady !== undefined && ready !== this.lastReady) this.readySince = timestamp();
    this.lastReady = ready;
    const status = this.status();
    const text = JSON.stringify(status);
    if (text === this.lastReported) return;
    this.lastReported = text;
    this.guard('reporting its status', () => this.context.report(this.pod, status));
  }

  private async exitedWithin(ms: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
    const result = await Promise.race([this.exited.then(() => true as const), timeout]);
    clearTimeout(timer);
    return result;
  }

  private guard(what: string, action: () => void): void {
    try {
      action();
    } catch (error) {
      this.context.warn(`pod ${this.describe()}: failed ${what}: ${(error as Error).message}`);
    }
  }

  private describe(): string {
    return `${this.pod.metadata.namespace}/${this.pod.metadata.name} (${this.pod.metadata.uid})`;
  }
}

/** The state of a pod whose container is about to be created for the first time. */
function freshPodState(): PersistedPodState {
  return { version: 1, startTime: timestamp(), restartCount: 0, nextBackoffMs: 0, lifecycle: { kind: 'creating' } };
}
