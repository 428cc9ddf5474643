import { waitUntil } from '@sedna/api/runtime';

/** Polls `check` until it returns a value (a throw counts as "not yet"), or fails after `timeoutMs` naming `what`. */
export function until<T>(what: string, check: () => T | undefined | Promise<T | undefined>, timeoutMs = 120_000, everyMs = 20): Promise<T> {
  return waitUntil(what, check, { timeoutMs, intervalMs: everyMs });
}
