import type { RestartPolicy } from '@sedna/api';

/**
 * Delays between restarts of a failing container, as a kubelet spaces them: the first restart after a crash is
 * immediate, the next waits 10 s, then 20 s, 40 s ... up to 5 min (CrashLoopBackOff); a run that lasted 10 minutes
 * counts as healthy and the next crash starts over. A container that cannot even be created
 * (CreateContainerConfigError) is retried on the same growing schedule, starting at `initialMs`.
 */
export interface RestartBackoffOptions {
  initialMs: number;
  maxMs: number;
  /** A run at least this long counts as healthy: the next failure starts the backoff over. */
  resetAfterMs: number;
}

export const DEFAULT_RESTART_BACKOFF: RestartBackoffOptions = { initialMs: 10_000, maxMs: 300_000, resetAfterMs: 600_000 };

/** Whether a container that exited with `exitCode` runs again under `policy` (Kubernetes' default is Always). */
export function shouldRestart(policy: RestartPolicy | undefined, exitCode: number): boolean {
  switch (policy ?? 'Always') {
    case 'Always':
      return true;
    case 'OnFailure':
      return exitCode !== 0;
    case 'Never':
      return false;
  }
}

/**
 * The delay before this restart and the one to use after it. `nextBackoffMs` 0 means no crash yet (or a healthy
 * run since): this restart is immediate and the next one waits `initialMs`.
 */
export function backoffStep(
  nextBackoffMs: number,
  ranForMs: number | undefined,
  options: RestartBackoffOptions,
): { delayMs: number; nextBackoffMs: number } {
  const delayMs = ranForMs !== undefined && ranForMs >= options.resetAfterMs ? 0 : nextBackoffMs;
  return { delayMs, nextBackoffMs: delayMs === 0 ? options.initialMs : Math.min(delayMs * 2, options.maxMs) };
}

/** The delay before retrying a container that could not be created, and the one after it. */
export function configRetryStep(nextBackoffMs: number, options: RestartBackoffOptions): { delayMs: number; nextBackoffMs: number } {
  const delayMs = Math.max(nextBackoffMs, options.initialMs);
  return { delayMs, nextBackoffMs: Math.min(delayMs * 2, options.maxMs) };
}
