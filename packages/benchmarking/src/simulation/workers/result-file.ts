/**
 * How a worker of a simulated service hands its result to the test case, which polls for it
 * (simulation/cluster-job.ts waitForWorkerFile): the file appears whole (written beside it, then renamed), or
 * `<file>.error` holds the worker's failure.
 */
import { renameSync, writeFileSync } from 'node:fs';

export function writeWorkerResult(file: string, value: unknown): void {
  writeFileSync(`${file}.part`, JSON.stringify(value));
  renameSync(`${file}.part`, file);
}

export function writeWorkerError(file: string, err: unknown): void {
  writeFileSync(`${file}.error`, (err as Error).stack ?? String(err));
}
