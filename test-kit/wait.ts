import { waitUntil } from '@sedna/api/runtime';

/**
 * Polls `check` until it returns a value other than undefined or false (a throw is "not yet"), or fails after
 * `timeoutMs` naming `what` and the last error. The project's one poller (`waitUntil` of @sedna/api/runtime) with
 * the tests' defaults.
 */
export function waitFor<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 20_000, intervalMs = 20): Promise<T> {
  return waitUntil(what, check, { timeoutMs, intervalMs });
}
