/**
 * The LC's DiskPressure condition, as the kubelet's: True when a write failed for lack of space or the free space of
 * the data folder is under a floor, False again once space is back. The GM learns it from the heartbeats (the
 * outbox, being on that disk, cannot carry it) and shows it in the Node's status.
 */
import { statfsSync } from 'node:fs';
import type { NodeCondition } from '@sedna/api';

export interface DiskPressureOptions {
  /** The folder whose file system is watched (the LC's data dir). */
  dir: string;
  /** Free bytes under which the node is under pressure; default 64 MiB, or 10 % of a smaller file system. */
  minFreeBytes?: number;
  /** How often the free space is measured; default 10 s. */
  checkIntervalMs?: number;
  log?: (message: string) => void;
}

/** True for the errors of a write that found no space (the OS's and SQLite's). */
export function isDiskFull(error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown } | null;
  const code = typeof e?.code === 'string' ? e.code : '';
  if (code === 'ENOSPC' || code === 'EDQUOT' || code === 'SQLITE_FULL') return true;
  return typeof e?.message === 'string' && /database or disk is full|no space left on device/i.test(e.message);
}

export class DiskPressure {
  private full = false;
  private reason = 'the data folder has space';
  private readonly timer: NodeJS.Timeout;
  private readonly minFreeBytes: number;

  constructor(private readonly options: DiskPressureOptions) {
    this.minFreeBytes = options.minFreeBytes ?? 64 * 1024 * 1024;
    this.timer = setInterval(() => this.check(), options.checkIntervalMs ?? 10_000);
    this.timer.unref();
    this.check();
  }

  /** A write failed for lack of space: pressure now, until a measurement finds space again. */
  writeFailed(error: unknown): void {
    this.set(true, `a write in ${this.options.dir} failed: ${(error as Error).message}`);
  }

  /** Measures the free space now. */
  check(): void {
    let free: number;
    let floor: number;
    try {
      const stats = statfsSync(this.options.dir);
      free = stats.bavail * stats.bsize;
      // As the kubelet's eviction threshold (10 % available): a small file system is not always under pressure.
      floor = Math.min(this.minFreeBytes, Math.floor((stats.blocks * stats.bsize) / 10));
    } catch {
      return; // the folder is not there yet: nothing to tell
    }
    if (free < floor) this.set(true, `${free} bytes free in ${this.options.dir}, under ${floor}`);
    else this.set(false, `${free} bytes free in ${this.options.dir}`);
  }

  get underPressure(): boolean {
    return this.full;
  }

  /** The condition as the heartbeat carries it. */
  conditions(): NodeCondition[] {
    return [{ type: 'DiskPressure', status: this.full ? 'True' : 'False', reason: this.full ? 'LocalControllerHasDiskPressure' : 'LocalControllerHasSufficientDisk', message: this.reason }];
  }

  close(): void {
    clearInterval(this.timer);
  }

  private set(full: boolean, reason: string): void {
    if (full !== this.full) this.options.log?.(full ? `disk pressure: ${reason}` : `disk pressure is over: ${reason}`);
    this.full = full;
    this.reason = reason;
  }
}
