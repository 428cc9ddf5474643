/**
 * Worker processes of the local mode, started the way the embedded control plane runs a Pod's first container:
 * its command and args, its env on top of this process's, in its workingDir. Output goes to a log file per
 * worker (and, unless quiet, to this terminal with the worker's name in front).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import path from 'node:path';

export interface ContainerLike {
  command?: string[];
  args?: string[];
  env?: { name: string; value?: string }[];
  workingDir?: string;
}

export interface WorkerProcess {
  name: string;
  child: ChildProcess;
  /** Resolves with the exit code (or the signal's name) when the process ends. */
  exited: Promise<number | string>;
  logFile: string;
  stop(): Promise<number | string>;
}

export interface StartOptions {
  name: string;
  container: ContainerLike;
  env: Record<string, string>;
  logDir: string;
  echo: boolean;
}

export function startWorker(options: StartOptions): WorkerProcess {
  const [command, ...commandArgs] = options.container.command ?? [];
  if (!command) throw new Error(`worker ${options.name}: the container has no command`);
  // `node` is this very node binary, as the embedded runner does.
  const executable = command === 'node' ? process.execPath : command;
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const variable of options.container.env ?? []) env[variable.name] = variable.value ?? '';
  Object.assign(env, options.env);
  mkdirSync(options.logDir, { recursive: true });
  const logFile = path.join(options.logDir, `${options.name}.log`);
  const log = createWriteStream(logFile, { flags: 'a' });
  const child = spawn(executable, [...commandArgs, ...(options.container.args ?? [])], {
    cwd: options.container.workingDir ?? process.cwd(),
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const relay = (chunk: Buffer): void => {
    log.write(chunk);
    if (options.echo) for (const line of chunk.toString('utf8').split('\n')) if (line !== '') process.stdout.write(`  | ${line}\n`);
  };
  child.stdout?.on('data', relay);
  child.stderr?.on('data', relay);
  const exited = new Promise<number | string>((resolve) => {
    child.once('error', (error) => {
      log.write(`cannot start ${executable}: ${error.message}\n`);
      resolve(`error: ${error.message}`);
    });
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'));
  }).finally(() => log.end());
  return {
    name: options.name,
    child,
    exited,
    logFile,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        const code = await exited;
        clearTimeout(timer);
        return code;
      }
      return exited;
    },
  };
}

/** Five random lower-case letters and digits, as the GM's worker names end. */
export function randomSuffix(): string {
  return Math.random().toString(36).slice(2, 7).padEnd(5, '0');
}
