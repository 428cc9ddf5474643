/** How one run of a container ended. */
export interface Termination {
  exitCode: number;
  /** Set when the process was killed by a signal. */
  signal?: number;
  /** Completed (exit 0), Error, StartError or ContainerStatusUnknown. */
  reason: string;
  message?: string;
  startedAt?: string;
  finishedAt: string;
}

/**
 * Where the pod's container is in its life. One variant at a time, so "running with an exit code" or
 * "finished and waiting to restart" cannot be written down.
 */
export type ContainerLifecycle =
  /** Accepted, being prepared (environment, working dir, program lookup) or about to be spawned. */
  | { kind: 'creating' }
  /** A wrapper process runs the container; `procStart` identifies the pid across LC restarts. */
  | { kind: 'running'; pid: number; procStart?: string; startedAt: string }
  /**
   * The container could not be created (CreateContainerConfigError: no command, an env source the runner cannot
   * resolve): no run happened; retried after `delayMs`, as a kubelet retries on its next sync.
   */
  | { kind: 'configError'; delayMs: number; message: string }
  /** Ended and will be restarted after `delayMs` (CrashLoopBackOff). */
  | { kind: 'backoff'; delayMs: number; termination: Termination }
  /** Ended for good: the pod is Succeeded or Failed. */
  | { kind: 'finished'; termination: Termination };

/** Timestamps as Kubernetes writes them: RFC 3339, whole seconds, UTC (the one helper, under the LC's name). */
export { rfc3339 as timestamp } from '@sedna/api/runtime';

/** Reads a wrapper exit status: above 128 (and a real signal number) means killed by that signal. */
export function terminationFromStatus(status: number, startedAt: string | undefined, finishedAt: string): Termination {
  const signal = status > 128 && status <= 128 + 64 ? status - 128 : undefined;
  return {
    exitCode: status,
    ...(signal !== undefined ? { signal } : {}),
    reason: status === 0 ? 'Completed' : 'Error',
    ...(startedAt !== undefined ? { startedAt } : {}),
    finishedAt,
  };
}
