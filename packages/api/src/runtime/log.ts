/**
 * One structured logger for the GM and the LC: every line names its component, and a line written while a work
 * queue runs a key names that key and the run's id (`reconcileID`, as controller-runtime's logs do), so that the
 * lines of one reconcile can be picked out of a busy log without passing a context through every call.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

export type LogLevel = 'info' | 'warn' | 'error';
/** Where formatted lines go (the GM's and LC's `log` options have this shape). */
export type LogSink = (level: LogLevel, line: string) => void;
export type LogFields = Record<string, unknown>;

/** The run of one key by a work queue: who runs it, which key, and a counter distinct per run. */
export interface ReconcileScope {
  queue: string;
  key: string;
  reconcileID: number;
}

const scopes = new AsyncLocalStorage<ReconcileScope>();
let nextReconcileID = 1;

/** Runs `fn` as one run of `key` by `queue`: log lines inside it (awaits included) carry the key and run id. */
export function inReconcile<T>(queue: string, key: string, fn: () => Promise<T>): Promise<T> {
  return scopes.run({ queue, key, reconcileID: nextReconcileID++ }, fn);
}

/** The run the caller is part of, if any. */
export function currentReconcile(): ReconcileScope | undefined {
  return scopes.getStore();
}

const consoleSink: LogSink = (level, line) => console[level === 'info' ? 'log' : level](line);

function formatValue(value: unknown): string {
  const text = typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
  return /^[\w./:@-]+$/.test(text) ? text : JSON.stringify(text);
}

/** Implements the channel's logger interface (debug, info, warn, error with fields): the hub and GM client use it too. */
export class Logger {
  constructor(
    readonly component: string,
    private readonly sink: LogSink = consoleSink,
    private readonly fields: LogFields = {},
  ) {}

  /** A logger whose lines carry `fields` too (a controller's name, a node). */
  with(fields: LogFields): Logger {
    return new Logger(this.component, this.sink, { ...this.fields, ...fields });
  }

  /** Dropped: nothing in the control plane logs below info today. */
  debug(_msg: string, _fields: LogFields = {}): void {}
  info(msg: string, fields: LogFields = {}): void {
    this.write('info', msg, fields);
  }
  warn(msg: string, fields: LogFields = {}): void {
    this.write('warn', msg, fields);
  }
  error(msg: string, fields: LogFields = {}): void {
    this.write('error', msg, fields);
  }

  /** `[component] message key=value ...` with the reconcile key and id when called inside a run. */
  private write(level: LogLevel, msg: string, fields: LogFields): void {
    const scope = scopes.getStore();
    const all: LogFields = { ...this.fields, ...(scope ? { key: scope.key, reconcileID: scope.reconcileID } : {}), ...fields };
    const tail = Object.entries(all)
      .filter((e) => e[1] !== undefined)
      .map(([k, v]) => `${k}=${formatValue(v)}`)
      .join(' ');
    this.sink(level, `[${this.component}] ${msg}${tail ? ` ${tail}` : ''}`);
  }
}

/** Lines on stderr with the time and level first (the channel's default). */
export const stderrSink: LogSink = (level, line) => void process.stderr.write(`${new Date().toISOString()} ${level.toUpperCase()} ${line}\n`);

/** A sink that drops everything (tests that do not read the log). */
export const discardLog: LogSink = () => undefined;
