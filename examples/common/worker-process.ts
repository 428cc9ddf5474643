/**
 * What the examples' `run.ts --local` modes share: a worker program run as a local process with its output kept
 * in a log file (and echoed when asked), and a free port to give it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';

export interface WorkerStartOptions {
  cwd?: string;
  env: Record<string, string>;
  logFile: string;
  /** Append to the log file (a worker run again) instead of replacing it. */
  append?: boolean;
  /** Echo each output line, prefixed with the worker's name, through `log`. */
  echo: boolean;
  log: (line: string) => void;
}

/** The command and arguments of a container, as a Pod's first container would run. */
export function containerArgv(container: { command?: string[]; args?: string[] }, who: string): string[] {
  if (!container.command || container.command.length === 0) throw new Error(`${who}: the container has no command`);
  return [...container.command, ...(container.args ?? [])];
}

export class WorkerProcess {
  private exitCode: number | undefined;
  /** The exit code; -1 when it was killed by a signal or could not start. */
  readonly exited: Promise<number>;
  private readonly tail: string[] = [];

  private constructor(
    readonly name: string,
    readonly logFile: string,
    private readonly child: ChildProcess,
    options: WorkerStartOptions,
  ) {
    const file = createWriteStream(logFile, { flags: options.append ? 'a' : 'w' });
    const forward = (chunk: Buffer): void => {
      file.write(chunk);
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line.trim() === '') continue;
        this.tail.push(line);
        if (this.tail.length > 20) this.tail.shift();
        if (options.echo) options.log(`  ${name} | ${line}`);
      }
    };
    child.stdout?.on('data', forward);
    child.stderr?.on('data', forward);
    this.exited = new Promise((resolve) => {
      const done = (code: number): void => {
        if (this.exitCode !== undefined) return;
        this.exitCode = code;
        file.end();
        resolve(code);
      };
      child.once('error', (error) => {
        options.log(`${name}: cannot start: ${error.message}`);
        done(-1);
      });
      child.once('exit', (code, signal) => done(code ?? (signal ? -1 : 0)));
    });
  }

  static start(name: string, argv: readonly string[], options: WorkerStartOptions): WorkerProcess {
    const [command, ...args] = argv;
    if (command === undefined) throw new Error(`${name}: no command`);
    const child = spawn(command, args, { ...(options.cwd ? { cwd: options.cwd } : {}), env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
    return new WorkerProcess(name, options.logFile, child, options);
  }

  get ended(): boolean {
    return this.exitCode !== undefined;
  }

  get code(): number | undefined {
    return this.exitCode;
  }

  /** Its last (up to 20) output lines. */
  lastLines(): string {
    return this.tail.join('\n');
  }

  /** SIGTERM, then SIGKILL after 10 s; resolves when it has exited. */
  async stop(): Promise<void> {
    if (this.ended) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await this.exited;
    clearTimeout(timer);
  }
}

export { freePort } from '../../test-kit/index.js';
