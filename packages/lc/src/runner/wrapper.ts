import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';

export const LOG_FILE = 'container.log';
const PID_FILE = 'pid';
const EXIT_FILE = 'exit';

/**
 * Every worker runs under a tiny POSIX shell wrapper, the leader of its own process group (spawned detached).
 * The wrapper:
 *  - appends the worker's stdout and stderr to `<podDir>/container.log` itself, so the worker never writes into a
 *    pipe of the local controller: when the LC dies, the worker keeps running and logging;
 *  - writes its own pid to `<podDir>/pid`, so an LC killed right after the spawn still finds it;
 *  - writes the worker's exit status to `<podDir>/exit` when the worker ends, so an LC that was down at that moment
 *    learns it later. A status above 128 means the worker was killed by signal (status - 128), as in any shell.
 * SIGTERM and SIGINT are trapped (not ignored, so the worker itself keeps the default handlers): a stop signal sent
 * to the group ends the worker, and the wrapper then records its status.
 * Both files end with a newline once complete; a reader that finds no newline has caught a write in progress.
 */
const SCRIPT = [
  'dir=$1; shift',
  "trap ':' TERM INT",
  `exec </dev/null >>"$dir/${LOG_FILE}" 2>&1`,
  'echo $$ >"$dir/pid"',
  '"$@"',
  'code=$?',
  'echo "$code" >"$dir/exit"',
  'exit "$code"',
].join('\n');

/** Starts `argv` under the wrapper. The pod folder is an argument, which makes it the identity marker of the process. */
export function spawnWrapped(podDir: string, argv: readonly string[], options: { cwd: string; env: Record<string, string> }): ChildProcess {
  rmSync(path.join(podDir, PID_FILE), { force: true });
  rmSync(path.join(podDir, EXIT_FILE), { force: true });
  return spawn('/bin/sh', ['-c', SCRIPT, 'sedna-pod', podDir, ...argv], {
    cwd: options.cwd,
    env: options.env,
    detached: true,
    stdio: 'ignore',
  });
}

/** Exit status the wrapper recorded, if the worker has ended. */
export function readExitStatus(podDir: string): number | undefined {
  return readNumberFile(path.join(podDir, EXIT_FILE));
}

/** Pid the wrapper recorded for itself. */
export function readWrapperPid(podDir: string): number | undefined {
  return readNumberFile(path.join(podDir, PID_FILE));
}

function readNumberFile(file: string): number | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const match = /^(\d+)\n$/.exec(text);
  return match ? Number(match[1]) : undefined;
}
