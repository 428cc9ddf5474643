/** Waiting for a condition: the one poller of the project (issue 12, point 7). */

export interface WaitOptions {
  /** How long to wait before failing (default 20 s). */
  timeoutMs?: number;
  /** How often to check (default 25 ms). */
  intervalMs?: number;
  /** Checked before each try: a reason ends the wait at once (a process that exited, a part that failed). */
  failed?: () => string | undefined;
}

/**
 * Polls `check` until it returns a value other than undefined or false, and resolves with it. A throw counts as "not
 * yet" (a server not listening yet), and the last one is named when the wait times out after `timeoutMs`, in an
 * error naming `what`. A timeout given as a number is `{ timeoutMs }`.
 */
export async function waitUntil<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, options: WaitOptions | number = {}): Promise<T> {
  const { timeoutMs = 20_000, intervalMs = 25, failed } = typeof options === 'number' ? { timeoutMs: options } : options;
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    const why = failed?.();
    if (why !== undefined) throw new Error(`${what}: ${why}`);
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}${last === undefined ? '' : `: ${last instanceof Error ? last.message : String(last)}`}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
