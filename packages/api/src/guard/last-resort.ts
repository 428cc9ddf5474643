/**
 * The process-level last resort of a server: an exception that escapes every handler is logged with its stack and
 * the process keeps serving its other requests, instead of ending (and taking every client with it). It is a net,
 * not a way of handling errors: each entry point still answers its own failures.
 */

export interface LastResortOptions {
  /** Names the process in the log line (`apiserver`, `gm`, `lc edge-1`). */
  name: string;
  log?: (line: string) => void;
}

let installed = false;
let escaped = 0;

/** Installs the handlers once per process; later calls do nothing. */
export function installLastResort(options: LastResortOptions): void {
  if (installed) return;
  installed = true;
  const log = options.log ?? ((line: string) => console.error(line));
  const report = (kind: string, error: unknown): void => {
    escaped++;
    const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
    try {
      log(`${options.name}: ${kind} escaped every handler; the process keeps serving (${escaped} so far): ${text}`);
    } catch {
      // A broken log (e.g. a closed stderr) must not turn the net into a crash.
    }
  };
  process.on('uncaughtException', (error) => report('an exception', error));
  process.on('unhandledRejection', (reason) => report('a rejected promise', reason));
}

/** How many errors reached the last resort in this process (for tests and metrics). */
export function lastResortCount(): number {
  return escaped;
}
