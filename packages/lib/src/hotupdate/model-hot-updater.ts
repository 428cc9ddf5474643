/**
 * Hot model update for inference workers (the original ModelLoadingThread, sedna-reference §3.8).
 * Watches the config file the LC rewrites on each deployment (fs.watch, with a poll every
 * MODEL_POLL_PERIOD_SECONDS as the fallback); when model_update_time changes it loads the model into
 * a fresh estimator and swaps it in (see SwappableModel), then reports `kind: deploy` to the LC.
 * A failed load leaves the old model serving and is reported as `failed` (once per version; later
 * checks try that version again, in case the failure was transient).
 */
import { existsSync, watch, type FSWatcher } from 'node:fs';
import path from 'node:path';

import type { Estimator } from '../core/estimator.js';
import type { LCClient } from '../reporter/lc-client.js';
import { buildWorkerMessage, type WorkerIdentity, type WorkerReportStatus } from '../reporter/message.js';
import { StorageError } from '../storage/errors.js';
import { Storage } from '../storage/storage.js';
import { parseStorageUrl } from '../storage/url.js';
import { DEFAULT_POLL_PERIOD_SECONDS, parseHotUpdateConfig, resolveModelPath } from './config.js';
import type { SwappableModel } from './swappable-model.js';

export type HotUpdateEvent =
  | { readonly type: 'updated'; readonly version: string; readonly modelPath: string }
  | { readonly type: 'load-failed'; readonly version: string; readonly modelPath: string; readonly error: unknown }
  | { readonly type: 'config-error'; readonly error: unknown }
  | { readonly type: 'report-failed'; readonly status: WorkerReportStatus; readonly error: unknown }
  /** Anything else that went wrong in a check (a bug, or an estimator factory misbehaving). */
  | { readonly type: 'check-error'; readonly error: unknown };

/** What one check did. */
export type CheckOutcome = 'unchanged' | 'updated' | 'failed' | 'config-error' | 'no-config' | 'stopped';

export interface ModelHotUpdaterOptions<E extends Estimator> {
  /** The config file's URL or path (MODEL_HOT_UPDATE_CONFIG). */
  configUrl: string;
  /** The serving model this updater replaces. */
  model: SwappableModel<E>;
  /** Makes an empty estimator to load a new model into. */
  createEstimator: () => E | Promise<E>;
  /** Runs on a newly loaded estimator before it is swapped in (a warm-up: its first calls then cost no request). */
  prepare?: (estimator: E) => Promise<void> | void;
  /** Poll period in ms (default 60 s; see pollPeriodSeconds for the env value). */
  pollPeriodMs?: number;
  /** Watch the config's folder for changes (default true; only for local configs). */
  watch?: boolean;
  /** Check once right away on start (default true), so a restarted worker picks up the latest model. */
  checkOnStart?: boolean;
  storage?: Storage;
  /** Where `deploy` reports go; without it nothing is reported. */
  lc?: { client: LCClient; identity: WorkerIdentity };
  onEvent?: (event: HotUpdateEvent) => void;
}

export class ModelHotUpdater<E extends Estimator> {
  private readonly configPath: string | undefined;
  private readonly pollPeriodMs: number;
  private readonly storage: Storage;
  private watcher: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private checking: Promise<CheckOutcome> | undefined;
  private rerun: Promise<CheckOutcome> | undefined;
  private reportedFailure: string | undefined;
  private abort = new AbortController();

  constructor(private readonly options: ModelHotUpdaterOptions<E>) {
    const location = parseStorageUrl(options.configUrl);
    this.configPath = location.kind === 'local' ? location.path : undefined;
    this.pollPeriodMs = options.pollPeriodMs ?? DEFAULT_POLL_PERIOD_SECONDS * 1000;
    if (!(this.pollPeriodMs > 0)) throw new Error(`poll period must be positive; got ${this.pollPeriodMs} ms`);
    this.storage = options.storage ?? new Storage();
  }

  get isRunning(): boolean {
    return this.running;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.abort = new AbortController();
    this.startWatching();
    this.schedulePoll();
    if (this.options.checkOnStart ?? true) void this.checkNow();
  }

  /** Stops watching and polling; waits for a check in progress (a report in flight is abandoned). */
  async stop(): Promise<void> {
    this.running = false;
    this.watcher?.close();
    this.watcher = undefined;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.abort.abort(new Error('hot updater stopped'));
    await this.rerun;
    await this.checking;
  }

  /**
   * Reads the config and loads a new model if its version changed. Checks never overlap: a call
   * during a check gets the result of one more check run right after it. Never rejects: problems
   * are events and outcomes.
   */
  checkNow(): Promise<CheckOutcome> {
    if (this.checking) {
      this.rerun ??= this.checking.then(() => {
        this.rerun = undefined;
        return this.checkNow();
      });
      return this.rerun;
    }
    const check = this.check()
      .catch((error: unknown): CheckOutcome => {
        this.emit({ type: 'check-error', error });
        return 'failed';
      })
      .finally(() => {
        if (this.checking === check) this.checking = undefined;
      });
    this.checking = check;
    return check;
  }

  private async check(): Promise<CheckOutcome> {
    if (!this.running) return 'stopped';
    let configText: string;
    try {
      configText = await this.storage.readText(this.options.configUrl);
    } catch (err) {
      // Before the first deployment the LC has not written the config yet: nothing to do.
      if (!(await this.configExists())) return 'no-config';
      this.emit({ type: 'config-error', error: err });
      return 'config-error';
    }
    let config;
    try {
      config = parseHotUpdateConfig(configText, this.options.configUrl);
    } catch (err) {
      // Also what a half-written file looks like; the next change event or poll reads it again.
      this.emit({ type: 'config-error', error: err });
      return 'config-error';
    }
    const version = config.modelUpdateTime;
    if (version === this.options.model.version) return 'unchanged';

    const modelPath = resolveModelPath(config.modelPath, this.configPath, existsSync);
    let fresh: E | undefined;
    try {
      fresh = await this.options.createEstimator();
      await fresh.load(modelPath);
      await this.options.prepare?.(fresh);
    } catch (err) {
      try {
        fresh?.dispose?.();
      } catch {
        // the load error is the one worth reporting
      }
      this.emit({ type: 'load-failed', version, modelPath, error: err });
      if (this.reportedFailure !== version) {
        this.reportedFailure = version;
        await this.report('failed');
      }
      return 'failed';
    }
    if (!this.running) {
      fresh.dispose?.();
      return 'stopped';
    }
    this.options.model.swap(fresh, version);
    this.emit({ type: 'updated', version, modelPath });
    await this.report('completed');
    return 'updated';
  }

  private async configExists(): Promise<boolean> {
    try {
      return await this.storage.exists(this.options.configUrl);
    } catch (err) {
      if (err instanceof StorageError) return true; // cannot tell: report the read error
      throw err;
    }
  }

  private async report(status: WorkerReportStatus): Promise<void> {
    const lc = this.options.lc;
    if (!lc) return;
    try {
      await lc.client.send(lc.identity.name, buildWorkerMessage(lc.identity, { kind: 'deploy', status }), { signal: this.abort.signal });
    } catch (err) {
      if (!this.abort.signal.aborted) this.emit({ type: 'report-failed', status, error: err });
    }
  }

  private startWatching(): void {
    if (this.watcher || !this.configPath || this.options.watch === false) return;
    const dir = path.dirname(this.configPath);
    const name = path.basename(this.configPath);
    try {
      // The folder, not the file: the LC may replace the file (write and rename), which ends a
      // watch on the file itself.
      this.watcher = watch(dir, { persistent: false }, (_event, filename) => {
        if (filename === null || filename.toString() === name) void this.checkNow();
      });
      this.watcher.on('error', () => {
        // The folder went away: fall back to polling, which retries the watch.
        this.watcher?.close();
        this.watcher = undefined;
      });
    } catch {
      // No folder yet (no deployment so far): polling covers it and retries the watch.
      this.watcher = undefined;
    }
  }

  private schedulePoll(): void {
    this.timer = setTimeout(() => {
      if (!this.running) return;
      this.startWatching();
      void this.checkNow().finally(() => {
        if (this.running) this.schedulePoll();
      });
    }, this.pollPeriodMs);
    this.timer.unref();
  }

  private emit(event: HotUpdateEvent): void {
    if (this.options.onEvent) this.options.onEvent(event);
    else if (event.type !== 'updated') console.warn(`model hot update: ${event.type}: ${describe(event)}`);
  }
}

function describe(event: HotUpdateEvent): string {
  const error = 'error' in event ? event.error : undefined;
  return error instanceof Error ? error.message : String(error);
}
