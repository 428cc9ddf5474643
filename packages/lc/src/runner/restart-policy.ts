import type { RestartPolicy } from '@sedna/api';

/**
 * Delays between restarts of a failing container. A kubelet starts at 10 s and doubles up to 5 min; embedded
 * workers are short programs on a developer's machine, so the defaults are smaller: 1 s doubling up to 60 s,
 * back to 1 s once a run lasted 2 minutes (kubelet resets after a long healthy run too).
 */
export interface RestartBackoffOptions {
  initialMs: number;
  maxMs: number;
  /** A run at least this long counts as healthy: the next failure starts the backoff over. */
  resetAfterMs: number;
}

export const DEFAULT_RESTART_BACKOFF: RestartBackoffOptions = { initialMs: 1_000, maxMs: 60_000, resetAfterMs: 120_000 };

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

/** The delay before this restart and the one to use after it. */
export function backoffStep(
  nextBackoffMs: number,
  ranForMs: number | undefined,
  options: RestartBackoffOptions,
): { delayMs: number; nextBackoffMs: number } {
  const delayMs = ranForMs !== undefined && ranForMs >= options.resetAfterMs ? options.initialMs : nextBackoffMs;
  return { delayMs, nextBackoffMs: Math.min(delayMs * 2, options.maxMs) };
}
