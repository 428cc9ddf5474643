/** Small helpers the worker programs share: required variables and a log line with the worker's name. */
import path from 'node:path';

export function required(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`environment variable ${name} is not set (the control plane sets it for this worker)`);
  return value;
}

/** The folder the relative sample paths of a round's data file are relative to: the dataset's own folder. */
export function samplesBase(): string | undefined {
  const original = process.env.ORIGINAL_DATASET_URL;
  return original ? path.dirname(original) : undefined;
}

export function logger(worker: string): (line: string) => void {
  const name = process.env.WORKER_NAME || worker;
  return (line) => process.stdout.write(`${new Date().toISOString()} [${name}] ${line}\n`);
}

/** Runs a worker's main, printing a failure and exiting non-zero (the pod fails, the GM sees it). */
export function runMain(main: () => Promise<void>, log: (line: string) => void): void {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      log(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      process.exit(1);
    },
  );
}
