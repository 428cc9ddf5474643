/**
 * Waiting between retries that a stop cuts short: the reporter's and the S3 transmitter's backoff, and the
 * federated learning client's reconnect wait share these two instead of each writing its own timer.
 */

/** Waits `ms`, or less: resolves as soon as `signal` aborts (at once when it already has). Never rejects. */
export function delayUnlessAborted(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** Waits `ms`; rejects with the abort reason (an Error, else `Error('aborted')`) as soon as `signal` aborts. */
export function delayOrAbort(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const fail = (): void => reject(signal!.reason instanceof Error ? signal!.reason : new Error('aborted'));
    if (signal?.aborted) return fail();
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    function onAbort(): void {
      clearTimeout(timer);
      fail();
    }
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
