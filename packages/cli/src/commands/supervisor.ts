/**
 * What `sedna up` does for the processes it starts: their output prefixed with their name, a line saying what died
 * and how, a restart with backoff (once the system is up: a part that dies while starting fails `up` instead), and
 * stopping them all on request (SIGTERM, then SIGKILL after a grace period).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { endChild } from './child-process.js';

export interface SupervisedPart {
  name: string;
  /** Arguments for `node`; a function is asked again at each restart (e.g. to keep the ports of the first start). */
  args: () => string[];
}

/** A restart waits 200 ms, doubling up to 10 s; a part that stayed up 30 s starts again from 200 ms. */
const FIRST_DELAY_MS = 200;
const MAX_DELAY_MS = 10_000;
const STABLE_MS = 30_000;

interface Running {
  part: SupervisedPart;
  child: ChildProcess;
  startedAt: number;
  failures: number;
  timer?: NodeJS.Timeout;
}

export class Supervisor {
  private readonly running = new Map<string, Running>();
  private restarting = false;
  private stopping = false;
  private readonly exits: string[] = [];

  constructor(private readonly log: (line: string) => void) {}

  /** Starts a part; its exit is reported, and once restarts are on it is started again. */
  start(part: SupervisedPart, failures = 0): ChildProcess {
    const child = spawn(process.execPath, part.args(), { stdio: ['ignore', 'pipe', 'pipe'] });
    prefixed(child, part.name, this.log);
    const entry: Running = { part, child, startedAt: Date.now(), failures };
    this.running.set(part.name, entry);
    child.once('exit', (code, signal) => this.exited(entry, code, signal));
    child.once('error', (error) => this.log(`${part.name} could not be started: ${error.message}`));
    return child;
  }

  /** From now on a part that exits is restarted (until stop()). */
  superviseFromNow(): void {
    this.restarting = true;
  }

  /** The first exit of a part since start, as "name exited (code)"; undefined while all run. */
  firstExit(): string | undefined {
    return this.exits[0];
  }

  children(): ChildProcess[] {
    return [...this.running.values()].map((r) => r.child);
  }

  pid(name: string): number | undefined {
    return this.running.get(name)?.child.pid;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    for (const entry of this.running.values()) clearTimeout(entry.timer);
    await Promise.all(this.children().map((child) => endChild(child)));
  }

  private exited(entry: Running, code: number | null, signal: NodeJS.Signals | null): void {
    const how = signal ? `killed by ${signal}` : `exit code ${code}`;
    this.exits.push(`${entry.part.name} exited (${signal ?? code})`);
    if (this.stopping || this.running.get(entry.part.name) !== entry) return;
    const upFor = Date.now() - entry.startedAt;
    if (!this.restarting) {
      this.log(`${entry.part.name} died (${how}) after ${Math.round(upFor / 100) / 10} s while starting`);
      return;
    }
    const failures = upFor >= STABLE_MS ? 0 : entry.failures + 1;
    const delay = Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** Math.max(0, failures - 1));
    this.log(`${entry.part.name} died (${how}) after ${Math.round(upFor / 100) / 10} s; restarting it in ${delay} ms${failures > 1 ? ` (failure ${failures} in a row)` : ''}`);
    entry.timer = setTimeout(() => {
      if (!this.stopping) this.start(entry.part, failures);
    }, delay);
  }
}

function prefixed(child: ChildProcess, name: string, log: (msg: string) => void): void {
  for (const stream of [child.stdout, child.stderr]) {
    let buffer = '';
    stream?.on('data', (c: Buffer) => {
      buffer += c.toString();
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        log(`${name} | ${buffer.slice(0, nl)}`);
        buffer = buffer.slice(nl + 1);
      }
    });
  }
}
