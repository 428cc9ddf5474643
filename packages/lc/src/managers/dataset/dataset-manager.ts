import type { DatasetSpec } from '@sedna/api';
import { DatasetError } from './dataset-error.js';
import { makeRoots, readDatasetFile, resolveDatasetPath, type DatasetRoots } from './dataset-path.js';
import { FileWatcher } from './file-watcher.js';
import { datasetFormat, parseSamples, type DatasetFormat } from './samples.js';

/** A Dataset object as the GM sends it. */
export interface DatasetObject {
  metadata: { name: string; namespace?: string; uid?: string };
  spec: DatasetSpec;
}

export interface DatasetRef {
  namespace: string;
  name: string;
}

/** What the manager knows of a dataset's file. */
export interface DatasetSnapshot {
  ref: DatasetRef;
  /** The local file the url resolves to; absent when the url itself is refused. */
  path?: string;
  format?: DatasetFormat;
  /** From the last successful read; absent before one. */
  numberOfSamples?: number;
  samples?: readonly string[];
  header?: string;
  /** When the last successful read happened. */
  readAt?: Date;
  /** The problem of the latest attempt, if it failed. */
  error?: DatasetError;
}

export interface DatasetManagerOptions {
  /** Folders dataset files must be in (symlinks followed). */
  roots: readonly string[];
  /** Base of relative dataset urls (default: the first root). */
  baseDir?: string;
  /** When set, datasets for another node are refused (reported through onError). */
  nodeName?: string;
  /** Periodic re-count besides file events (default 60 s, the original's interval). */
  checkIntervalMs?: number;
  /** Quiet time after a file event before re-reading (default 100 ms). */
  debounceMs?: number;
  /** The sample count to send upstream (`{numberOfSamples}`, kind dataset); called when the count changes. */
  onSampleCount: (ref: DatasetRef, status: { numberOfSamples: number }) => void;
  /**
   * A dataset cannot be counted (bad url or format, file missing or unreadable...). Called once per distinct
   * problem; the GM makes it an Event and keeps the last good count. The manager retries on the next change or check.
   */
  onError: (ref: DatasetRef, error: DatasetError) => void;
  warn?: (message: string) => void;
}

export const DEFAULT_DATASET_CHECK_INTERVAL_MS = 60_000;

/**
 * The LC's dataset manager: counts the samples of each Dataset of this node, keeps the sample lines for the
 * learning managers, and follows the file (file-system events plus a periodic check) so the count reported
 * upstream changes within a second of the file.
 */
export class DatasetManager {
  private readonly trackers = new Map<string, DatasetTracker>();
  private readonly where: DatasetRoots;

  constructor(private readonly options: DatasetManagerOptions) {
    this.where = makeRoots(options.roots, options.baseDir);
  }

  /** Starts or updates tracking of a dataset (an insert or update from the GM). */
  upsert(dataset: DatasetObject): void {
    const ref = refOf(dataset);
    const key = datasetKey(ref);
    const existing = this.trackers.get(key);
    if (existing?.sameSpec(dataset.spec)) {
      void existing.refresh();
      return;
    }
    existing?.close();
    const tracker = new DatasetTracker(ref, dataset.spec, this.where, this.options);
    this.trackers.set(key, tracker);
    tracker.start();
  }

  /** Stops tracking a dataset (deleted). Returns false when it was not tracked. */
  delete(ref: DatasetRef | string): boolean {
    const key = typeof ref === 'string' ? ref : datasetKey(ref);
    const tracker = this.trackers.get(key);
    if (!tracker) return false;
    tracker.close();
    this.trackers.delete(key);
    return true;
  }

  /** The sample lines of the last good read of dataset `namespace/name`. */
  samples(key: string): readonly string[] | undefined {
    return this.trackers.get(key)?.snapshot().samples;
  }

  get(key: string): DatasetSnapshot | undefined {
    return this.trackers.get(key)?.snapshot();
  }

  keys(): string[] {
    return [...this.trackers.keys()];
  }

  /** Re-reads a dataset now; resolves when done. */
  async refresh(key: string): Promise<void> {
    await this.trackers.get(key)?.refresh();
  }

  close(): void {
    for (const tracker of this.trackers.values()) tracker.close();
    this.trackers.clear();
  }
}

/** `namespace/name`. */
export function datasetKey(ref: DatasetRef): string {
  return `${ref.namespace}/${ref.name}`;
}

function refOf(dataset: DatasetObject): DatasetRef {
  const name = dataset.metadata?.name;
  if (typeof name !== 'string' || name === '') throw new Error('dataset: metadata.name is required');
  return { namespace: dataset.metadata.namespace || 'default', name };
}

/** One dataset: its resolved file, its watcher and the result of the last read. */
class DatasetTracker {
  private path: string | undefined;
  private format: DatasetFormat | undefined;
  private watcher: FileWatcher | undefined;
  private good: { samples: string[]; header?: string; readAt: Date } | undefined;
  private reportedCount: number | undefined;
  private error: DatasetError | undefined;
  private reportedError: string | undefined;
  private reading: Promise<void> | undefined;
  private readAgain = false;
  private closed = false;

  constructor(
    readonly ref: DatasetRef,
    private readonly spec: DatasetSpec,
    private readonly where: DatasetRoots,
    private readonly options: DatasetManagerOptions,
  ) {}

  sameSpec(spec: DatasetSpec): boolean {
    return spec.url === this.spec.url && spec.format === this.spec.format && spec.nodeName === this.spec.nodeName;
  }

  start(): void {
    try {
      if (this.options.nodeName !== undefined && this.spec.nodeName !== this.options.nodeName) {
        throw new DatasetError('WrongNode', `dataset ${datasetKey(this.ref)} is for node "${this.spec.nodeName}", not this node "${this.options.nodeName}"`);
      }
      this.format = datasetFormat(this.spec.format);
      this.path = resolveDatasetPath(this.spec.url, this.where);
    } catch (error) {
      // The spec itself is refused: nothing to watch until the GM sends a corrected dataset.
      this.fail(error);
      return;
    }
    this.watcher = new FileWatcher(this.path, () => void this.refresh(), {
      debounceMs: this.options.debounceMs ?? 100,
      checkIntervalMs: this.options.checkIntervalMs ?? DEFAULT_DATASET_CHECK_INTERVAL_MS,
    });
    void this.refresh();
  }

  /** Reads the file; reads never overlap, and a change during a read causes one more read after it. */
  refresh(): Promise<void> {
    if (this.closed || this.path === undefined) return Promise.resolve();
    if (this.reading) {
      this.readAgain = true;
      return this.reading;
    }
    this.reading = (async () => {
      do {
        this.readAgain = false;
        await this.readOnce();
      } while (this.readAgain && !this.closed);
      this.reading = undefined;
    })();
    return this.reading;
  }

  snapshot(): DatasetSnapshot {
    return {
      ref: this.ref,
      ...(this.path !== undefined ? { path: this.path } : {}),
      ...(this.format !== undefined ? { format: this.format } : {}),
      ...(this.good
        ? { numberOfSamples: this.good.samples.length, samples: this.good.samples, readAt: this.good.readAt, ...(this.good.header !== undefined ? { header: this.good.header } : {}) }
        : {}),
      ...(this.error ? { error: this.error } : {}),
    };
  }

  close(): void {
    this.closed = true;
    this.watcher?.close();
  }

  private async readOnce(): Promise<void> {
    let parsed;
    try {
      const text = await readDatasetFile(this.path as string, this.where);
      parsed = parseSamples(text, this.format as DatasetFormat);
    } catch (error) {
      if (!this.closed) this.fail(error);
      return;
    }
    if (this.closed) return;
    this.good = { ...parsed, readAt: new Date() };
    this.error = undefined;
    this.reportedError = undefined;
    const count = parsed.samples.length;
    if (count === this.reportedCount) return;
    this.reportedCount = count;
    this.call('onSampleCount', () => this.options.onSampleCount(this.ref, { numberOfSamples: count }));
  }

  private fail(error: unknown): void {
    const problem =
      error instanceof DatasetError ? error : new DatasetError('FileUnavailable', `dataset ${datasetKey(this.ref)}: ${(error as Error).message}`, { cause: error });
    this.error = problem;
    // The same problem on every event would flood the GM with Events: report each distinct one once.
    if (problem.message === this.reportedError) return;
    this.reportedError = problem.message;
    this.call('onError', () => this.options.onError(this.ref, problem));
  }

  private call(what: string, callback: () => void): void {
    try {
      callback();
    } catch (error) {
      (this.options.warn ?? console.warn)(`dataset ${datasetKey(this.ref)}: ${what} callback failed: ${(error as Error).message}`);
    }
  }
}
