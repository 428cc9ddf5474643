/**
 * The retry delay of the run-to-completion kinds, as a Kubernetes Job's pod failure backoff: after the n-th failed
 * worker the next starts 10 s * 2^(n-1) after that failure, at most 6 minutes later. The original ignored both the
 * limit and the delay; a camera whose source is down would otherwise be restarted in a tight loop.
 */
import type { ObjectOf } from '../../runtime/kinds.js';

export const RETRY_BASE_MS = 10_000;
export const RETRY_MAX_MS = 360_000;

export function retryDelayMs(failures: number): number {
  if (failures <= 0) return 0;
  return Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** Math.min(failures - 1, 30));
}

/** When a failed worker ended: its container's finishedAt, else the pod's creation (an upper bound on the wait). */
export function failedAt(pod: ObjectOf<'Pod'>): number {
  const finished = pod.status?.containerStatuses?.[0]?.state?.terminated?.finishedAt;
  const t = Date.parse(finished ?? pod.metadata.creationTimestamp ?? '');
  return Number.isNaN(t) ? 0 : t;
}

/** The time (ms since the epoch) the next worker may start after these failed ones; 0 when there are none. */
export function nextRetryAt(failed: ObjectOf<'Pod'>[]): number {
  if (failed.length === 0) return 0;
  return Math.max(...failed.map(failedAt)) + retryDelayMs(failed.length);
}
