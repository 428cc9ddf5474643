/**
 * Weights through object storage: for federated learning with `transmitter: s3`, each party writes
 * its weights as an object under AGG_DATA_PATH (an s3:// prefix) and the other side reads it back.
 * Objects hold the same binary encoding as the WebSocket frames. Any storage URL works as the base
 * (a local folder too), which keeps single-machine runs simple.
 */
import { delayUnlessAborted } from '../common/abortable-delay.js';
import type { Env } from '../common/config.js';
import { Storage } from '../storage/storage.js';
import { joinStorageUrl, parseStorageUrl } from '../storage/url.js';
import { decodeWeightsMessage, encodeWeightsMessage, type WeightsMessage } from './weights-codec.js';
import { WORKER_ENV } from '@sedna/api/contracts';

export interface S3TransmitterOptions {
  /** Base URL the objects live under, e.g. s3://bucket/fl-job/agg (AGG_DATA_PATH). */
  aggDataPath: string;
  /** Storage with the S3 credentials (default: one configured from process.env). */
  storage?: Storage;
}

export interface WaitOptions {
  /** How long to wait for the object to appear (default 300 s, the original's CONNECT_TIMEOUT). */
  timeoutMs?: number;
  /** Time between existence checks (default 500 ms). */
  pollMs?: number;
  signal?: AbortSignal;
}

/** Object names are relative paths of safe characters, so they cannot escape the base prefix. */
const OBJECT_NAME = /^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/;

export class S3Transmitter {
  readonly aggDataPath: string;
  private readonly storage: Storage;
  private readonly ownsStorage: boolean;

  constructor(options: S3TransmitterOptions) {
    if (!options.aggDataPath) throw new Error('S3Transmitter needs aggDataPath (AGG_DATA_PATH), e.g. s3://bucket/prefix');
    parseStorageUrl(options.aggDataPath); // fails early on a malformed URL
    this.aggDataPath = options.aggDataPath;
    this.storage = options.storage ?? new Storage();
    this.ownsStorage = options.storage === undefined;
  }

  /** From the worker environment: AGG_DATA_PATH plus the S3 credentials. */
  static fromEnv(env: Env = process.env, storage?: Storage): S3Transmitter {
    const aggDataPath = env[WORKER_ENV.AGG_DATA_PATH] ?? '';
    if (!aggDataPath || aggDataPath === './') {
      throw new Error(`AGG_DATA_PATH must name where weights are exchanged (an s3:// URL); got ${JSON.stringify(aggDataPath)}`);
    }
    return new S3Transmitter({ aggDataPath, storage: storage ?? new Storage({ env }) });
  }

  /** The URL an object name maps to. */
  urlOf(name: string): string {
    if (!OBJECT_NAME.test(name) || name.split('/').some((part) => part === '.' || part === '..')) {
      throw new Error(`weights object name ${JSON.stringify(name)} must be a relative path of letters, digits, '.', '_' and '-'`);
    }
    return joinStorageUrl(this.aggDataPath, name);
  }

  /** Writes weights as object `name`; returns its URL. */
  async send(name: string, message: WeightsMessage): Promise<string> {
    const url = this.urlOf(name);
    await this.storage.writeBytes(url, encodeWeightsMessage(message));
    return url;
  }

  /** Reads object `name`, waiting for it to appear. */
  async recv(name: string, options: WaitOptions = {}): Promise<WeightsMessage> {
    const url = this.urlOf(name);
    const timeoutMs = options.timeoutMs ?? 300_000;
    const pollMs = options.pollMs ?? 500;
    const deadline = Date.now() + timeoutMs;
    while (!(await this.storage.exists(url))) {
      if (options.signal?.aborted) throw new Error(`waiting for ${url} was aborted`);
      if (Date.now() >= deadline) throw new Error(`weights ${url} did not appear within ${timeoutMs} ms`);
      await delayUnlessAborted(Math.min(pollMs, Math.max(0, deadline - Date.now())), options.signal);
    }
    const bytes = await this.storage.readBytes(url);
    try {
      return decodeWeightsMessage(bytes);
    } catch (err) {
      throw new Error(`${url}: ${(err as Error).message}`, { cause: err });
    }
  }

  /** Whether object `name` is there yet. */
  has(name: string): Promise<boolean> {
    return this.storage.exists(this.urlOf(name));
  }

  close(): void {
    if (this.ownsStorage) this.storage.close();
  }
}
