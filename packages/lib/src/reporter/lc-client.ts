/**
 * The worker's client of its local controller. The original retried 5 times, 3 s apart, on any
 * failure; here retries back off exponentially and only happen when they can help (network errors,
 * timeouts, 5xx, 408, 429). A 4xx such as the LC's 400 for a name mismatch fails at once.
 */
import { delayUnlessAborted } from '../common/abortable-delay.js';
import type { Env } from '../common/config.js';
import { assertWorkerMessage, type WorkerMessage } from './message.js';
import { WORKER_ENV, WORKER_ENV_DEFAULTS, workerReportPath } from '@sedna/api/contracts';

export const DEFAULT_LC_SERVER = WORKER_ENV_DEFAULTS.LC_SERVER;

export interface RetryPolicy {
  /** Requests in total, the first included. */
  attempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_LC_RETRY: RetryPolicy = { attempts: 5, initialDelayMs: 500, maxDelayMs: 8000 };

export interface LCClientOptions {
  /** Base URL of the LC, LC_SERVER. */
  lcServer: string;
  retry?: Partial<RetryPolicy>;
  /** Limit per request (default 10 s). */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

export interface SendOptions {
  signal?: AbortSignal;
  retry?: Partial<RetryPolicy>;
}

export interface LCReply {
  status: number;
  /** The parsed JSON answer, or its text when it is not JSON. */
  body: unknown;
}

export class LCSendError extends Error {
  constructor(
    readonly url: string,
    readonly attempts: number,
    reason: string,
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(`reporting to ${url} failed after ${attempts} attempt${attempts === 1 ? '' : 's'}: ${reason}`, options);
    this.name = 'LCSendError';
  }
}

export class LCClient {
  readonly lcServer: string;
  private readonly retry: RetryPolicy;
  private readonly timeoutMs: number;
  private readonly fetchImpl: typeof fetch;

  constructor(options: LCClientOptions) {
    let base: URL;
    try {
      base = new URL(options.lcServer);
    } catch (err) {
      throw new Error(`LC_SERVER must be an http(s) URL; got ${JSON.stringify(options.lcServer)}`, { cause: err });
    }
    if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new Error(`LC_SERVER must be an http(s) URL; got ${JSON.stringify(options.lcServer)}`);
    this.lcServer = options.lcServer.replace(/\/+$/, '');
    this.retry = resolveRetry(DEFAULT_LC_RETRY, options.retry);
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.fetchImpl = options.fetch ?? fetch;
  }

  static fromEnv(env: Env = process.env, options: Omit<LCClientOptions, 'lcServer'> = {}): LCClient {
    return new LCClient({ ...options, lcServer: env[WORKER_ENV.LC_SERVER] || DEFAULT_LC_SERVER });
  }

  urlFor(workerName: string): string {
    return `${this.lcServer}${workerReportPath(workerName)}`;
  }

  /** POSTs `message` for `workerName`, retrying transient failures; resolves with the LC's answer. */
  async send(workerName: string, message: WorkerMessage, options: SendOptions = {}): Promise<LCReply> {
    if (!workerName) throw new Error('worker name must be a non-empty string');
    assertWorkerMessage(message);
    // The LC answers 400 to a body whose name differs from the path: say so before sending.
    if (message.name !== workerName) throw new Error(`worker message name "${message.name}" differs from the worker name "${workerName}"`);
    const url = this.urlFor(workerName);
    const retry = resolveRetry(this.retry, options.retry);
    const body = JSON.stringify(message);
    let lastReason = '';
    let lastStatus: number | undefined;
    let lastError: unknown;
    for (let attempt = 1; attempt <= retry.attempts; attempt++) {
      if (attempt > 1) await delayUnlessAborted(Math.min(retry.maxDelayMs, retry.initialDelayMs * 2 ** (attempt - 2)), options.signal);
      if (options.signal?.aborted) throw new LCSendError(url, attempt - 1, 'aborted', lastStatus, { cause: options.signal.reason });
      const signal = options.signal ? AbortSignal.any([options.signal, AbortSignal.timeout(this.timeoutMs)]) : AbortSignal.timeout(this.timeoutMs);
      try {
        const response = await this.fetchImpl(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal });
        const text = await response.text();
        if (response.ok) return { status: response.status, body: parseMaybeJson(text) };
        lastStatus = response.status;
        lastReason = `HTTP ${response.status}${text ? `: ${text.trim().slice(0, 200)}` : ''}`;
        lastError = undefined;
        if (!isRetryableStatus(response.status)) throw new LCSendError(url, attempt, lastReason, response.status);
      } catch (err) {
        if (err instanceof LCSendError) throw err;
        if (options.signal?.aborted) throw new LCSendError(url, attempt, 'aborted', lastStatus, { cause: err });
        lastError = err;
        lastStatus = undefined;
        lastReason = describeFetchError(err, this.timeoutMs);
      }
    }
    throw new LCSendError(url, retry.attempts, lastReason, lastStatus, lastError === undefined ? undefined : { cause: lastError });
  }
}

function resolveRetry(base: RetryPolicy, override: Partial<RetryPolicy> | undefined): RetryPolicy {
  const retry = { ...base, ...override };
  if (!Number.isInteger(retry.attempts) || retry.attempts < 1) throw new Error(`retry.attempts must be an integer ≥ 1; got ${retry.attempts}`);
  if (!(retry.initialDelayMs >= 0) || !(retry.maxDelayMs >= 0)) throw new Error('retry delays must be non-negative');
  return retry;
}

function isRetryableStatus(status: number): boolean {
  return status >= 500 || status === 408 || status === 429;
}

function describeFetchError(err: unknown, timeoutMs: number): string {
  if (err instanceof Error) {
    if (err.name === 'TimeoutError') return `no answer within ${timeoutMs} ms`;
    const cause = err.cause instanceof Error ? err.cause.message : '';
    return cause ? `${err.message} (${cause})` : err.message;
  }
  return String(err);
}

function parseMaybeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
