import { promises as fs, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { LOG_FILE } from './wrapper.js';

/**
 * A pod's log: `container.log` (stdout and stderr interleaved, written by the worker's wrapper in append mode)
 * plus rotated copies `container.log.1` (newest) to `container.log.<maxFiles>` (oldest).
 *
 * Rotation copies the live file and then truncates it ("copytruncate"): the worker holds the file open, and
 * because it appends (O_APPEND) its next write lands at the start of the emptied file. The cost: a line written
 * between the copy and the truncation is lost. The size cap is checked periodically, so the live file may run
 * over it by what the worker writes in one check interval. At most (maxFiles + 1) × maxBytes stay on disk.
 */
export interface LogLimits {
  maxBytes: number;
  /** Rotated files kept besides the live one (at least 1). */
  maxFiles: number;
}

export const DEFAULT_LOG_LIMITS: LogLimits = { maxBytes: 1024 * 1024, maxFiles: 3 };

/** The previous run's log (`kubectl logs --previous`), with its rotated copies beside it as `previous.log.<n>`. */
export const PREVIOUS_LOG_FILE = 'previous.log';

/** Which run's log: the current (or last) one, or the one before it. */
export type LogRun = 'current' | 'previous';

function logPath(podDir: string, index = 0, run: LogRun = 'current'): string {
  const base = run === 'current' ? LOG_FILE : PREVIOUS_LOG_FILE;
  return path.join(podDir, index === 0 ? base : `${base}.${index}`);
}

/**
 * Before the container starts again: its ended run's log (live file and rotated copies) becomes the previous
 * run's, replacing the one kept before, so a new run starts with an empty log as a new container does.
 */
export function archiveRunLog(podDir: string, limits: LogLimits): void {
  for (let index = 0; index <= limits.maxFiles; index++) {
    rmSync(logPath(podDir, index, 'previous'), { force: true });
    try {
      renameSync(logPath(podDir, index), logPath(podDir, index, 'previous'));
    } catch (error) {
      ignoreMissing(error);
    }
  }
}

/** True when a log of that run was ever written (a container that never started has none). */
export async function hasLog(podDir: string, run: LogRun): Promise<boolean> {
  return (await sizeOf(logPath(podDir, 0, run))) !== undefined;
}

/** Rotates the live log when it is over the cap; true when it did. */
export async function rotateIfNeeded(podDir: string, limits: LogLimits): Promise<boolean> {
  const live = logPath(podDir);
  const size = await sizeOf(live);
  if (size === undefined || size <= limits.maxBytes) return false;
  for (let index = limits.maxFiles - 1; index >= 1; index--) {
    await fs.rename(logPath(podDir, index), logPath(podDir, index + 1)).catch(ignoreMissing);
  }
  await fs.copyFile(live, logPath(podDir, 1));
  await fs.truncate(live, 0);
  return true;
}

/** All kept log text, oldest first, optionally only the last `tail` lines; with the size of the live part read. */
export async function readLog(podDir: string, limits: LogLimits, tail?: number, run: LogRun = 'current'): Promise<{ text: Buffer; liveBytes: number }> {
  const parts: Buffer[] = [];
  for (let index = limits.maxFiles; index >= 1; index--) {
    const part = await fs.readFile(logPath(podDir, index, run)).catch(missingAsEmpty);
    if (part.length > 0) parts.push(part);
  }
  const live = await fs.readFile(logPath(podDir, 0, run)).catch(missingAsEmpty);
  parts.push(live);
  const all = Buffer.concat(parts);
  return { text: tail === undefined ? all : lastLines(all, tail), liveBytes: live.length };
}

/** The last `count` lines of `text` (a final line without newline counts as a line). */
export function lastLines(text: Buffer, count: number): Buffer {
  if (count <= 0) return Buffer.alloc(0);
  let end = text.length;
  if (end > 0 && text[end - 1] === 0x0a) end--; // the newline ending the last line is not a line of its own
  let start = end;
  for (let found = 0; start > 0; ) {
    const newline = text.lastIndexOf(0x0a, start - 1);
    if (newline < 0) {
      start = 0;
      break;
    }
    if (++found === count) {
      start = newline + 1;
      break;
    }
    start = newline;
  }
  return text.subarray(start);
}

/**
 * A stream of the log that keeps growing while `isActive()` says the container runs, then ends.
 * It follows the live file across rotations by reading the rest of the rotated copy first.
 */
export function followLog(podDir: string, limits: LogLimits, options: { tail?: number; pollMs: number; isActive: () => boolean }): Readable {
  let offset = 0;
  let timer: NodeJS.Timeout | undefined;
  let busy = false;
  const stream = new Readable({
    read() {},
    destroy(error, callback) {
      clearInterval(timer);
      callback(error);
    },
  });
  const pushNew = async (): Promise<void> => {
    const size = (await sizeOf(logPath(podDir))) ?? 0;
    if (size < offset) {
      // Rotated since the last read: the end of what we had not read yet went to container.log.1.
      const rotated = await readFrom(logPath(podDir, 1), offset);
      if (rotated.length > 0) stream.push(rotated);
      offset = 0;
    }
    const fresh = await readFrom(logPath(podDir), offset);
    if (fresh.length > 0) stream.push(fresh);
    offset += fresh.length;
  };
  const tick = async (): Promise<void> => {
    if (busy || stream.destroyed) return;
    busy = true;
    try {
      const active = options.isActive();
      await pushNew();
      if (!active) {
        clearInterval(timer);
        stream.push(null);
      }
    } catch (error) {
      stream.destroy(error as Error);
    } finally {
      busy = false;
    }
  };
  readLog(podDir, limits, options.tail).then(
    ({ text, liveBytes }) => {
      if (stream.destroyed) return;
      if (text.length > 0) stream.push(text);
      offset = liveBytes;
      timer = setInterval(() => void tick(), options.pollMs);
      void tick();
    },
    (error: Error) => stream.destroy(error),
  );
  return stream;
}

async function readFrom(file: string, offset: number): Promise<Buffer> {
  let handle;
  try {
    handle = await fs.open(file, 'r');
  } catch (error) {
    ignoreMissing(error);
    return Buffer.alloc(0);
  }
  try {
    const { size } = await handle.stat();
    if (size <= offset) return Buffer.alloc(0);
    const buffer = Buffer.alloc(size - offset);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, offset);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

async function sizeOf(file: string): Promise<number | undefined> {
  try {
    return (await fs.stat(file)).size;
  } catch (error) {
    ignoreMissing(error);
    return undefined;
  }
}

function ignoreMissing(error: unknown): void {
  if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
}

function missingAsEmpty(error: unknown): Buffer {
  ignoreMissing(error);
  return Buffer.alloc(0);
}
