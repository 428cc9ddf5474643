/**
 * One normal or condition unit's part of a node: calls the unit on a batch of rows (in worker threads when it has
 * a pool), turns the answers into emissions in the rows' order, and keeps the unit's metrics (items, skips, errors,
 * time per call). A node runs one stage, or several in turn when the scheduler fused a chain of units into one
 * node (see fusion.ts): a stage's emissions become the next stage's rows with no queue in between.
 */
import type { BuiltNode } from '../graph/build.js';
import type { Meta, UnitInput, UnitInstance, UnitOutput } from '../types.js';
import type { UnitMetrics } from './metrics.js';
import type { UnitThreadPool } from './thread-pool.js';
import { portGetter, type PortRead } from './port-objects.js';
import { formatId, mergeMeta, type ItemId, type Row } from './tokens.js';

export type Emission = { readonly kind: 'data'; readonly id: ItemId; readonly meta: Meta; readonly ports: Readonly<Record<string, unknown>> } | { readonly kind: 'skip' | 'sub-end'; readonly id: ItemId; readonly meta: Meta };

type UnitResult = UnitOutput | { error: unknown };
type DataRow = Extract<Row, { kind: 'data' }>;

/** The data rows of a batch: the batch itself when all of them are (no copy on the usual path). */
function dataRows(rows: readonly Row[]): readonly DataRow[] {
  let all = true;
  for (const row of rows) if (row.kind !== 'data') all = false;
  if (all) return rows as readonly DataRow[];
  const data: DataRow[] = [];
  for (const row of rows) if (row.kind === 'data') data.push(row);
  return data;
}

export interface StageSettings {
  readonly node: BuiltNode;
  readonly instance: UnitInstance | undefined;
  readonly pool: UnitThreadPool | undefined;
  readonly metrics: UnitMetrics;
  /** The output ports whose values go somewhere (every one must be set, except by a condition unit). */
  readonly connectedOutputs: readonly string[];
  itemFailed(node: string, id: string, meta: Meta, error: unknown): void;
}

export class UnitStage {
  readonly node: BuiltNode;
  readonly metrics: UnitMetrics;
  private readonly condition: boolean;
  /** The unit's process(), bound once. */
  private readonly process: UnitInstance['process'];
  /** Reads of the connected output ports, and of every output port (a condition's), one function per port name. */
  private readonly connectedReads: readonly PortRead[];
  private readonly outputReads: readonly PortRead[];
  /** When the last call's results were in (performance.now()): the next fused stage's clock starts there. */
  finishedAt = 0;

  constructor(private readonly settings: StageSettings) {
    this.node = settings.node;
    this.metrics = settings.metrics;
    this.condition = settings.node.unit?.description.kind === 'condition';
    this.process = settings.instance?.process?.bind(settings.instance);
    this.connectedReads = settings.connectedOutputs.map(portGetter);
    this.outputReads = settings.node.outputs.map((p) => portGetter(p.name));
  }

  get instance(): UnitInstance | undefined {
    return this.settings.instance;
  }

  /** The unit runs in worker threads. */
  get pooled(): boolean {
    return this.settings.pool !== undefined;
  }

  /** A condition unit: it sets exactly one of its outputs. */
  get isCondition(): boolean {
    return this.condition;
  }

  /** The output ports whose values go somewhere. */
  get connectedOutputs(): readonly string[] {
    return this.settings.connectedOutputs;
  }

  /**
   * The unit on the data rows of a batch, and the emissions of every row; a promise only if the unit answers with
   * one. `started` is the clock reading the call's time counts from (the previous fused stage's end: one clock
   * read per unit).
   */
  run(rows: readonly Row[], started: number = performance.now()): Emission[] | Promise<Emission[]> {
    const data = dataRows(rows);
    if (data.length === 0) {
      this.finishedAt = started;
      return this.emissions(rows, []);
    }
    this.metrics.itemsIn += data.length;
    const results = this.callUnit(data);
    if (!(results instanceof Promise)) return this.finished(rows, data.length, results, started);
    return this.ranLater(rows, data, results, started);
  }

  /**
   * The end of run() for a unit that answered with a promise: one `then` (the unit's answer checked, a failed batch
   * retried item by item, the time observed), not an async function's chain of steps.
   */
  private ranLater(rows: readonly Row[], data: readonly DataRow[], pending: Promise<readonly UnitResult[]>, started: number): Promise<Emission[]> {
    return pending.then(
      (outs) => {
        let done: readonly UnitResult[];
        try {
          done = this.checked(outs, data.length);
        } catch (error) {
          return this.oneByOne(data, error).then((one) => this.finished(rows, data.length, one, started));
        }
        return this.finished(rows, data.length, done, started);
      },
      (error: unknown) => this.oneByOne(data, error).then((one) => this.finished(rows, data.length, one, started)),
    );
  }

  /** The call's time observed (its end is the next fused stage's start) and the emissions of its rows. */
  private finished(rows: readonly Row[], items: number, done: readonly UnitResult[], started: number): Emission[] {
    const now = (this.finishedAt = performance.now());
    this.metrics.observe(items, (now - started) / 1000);
    return this.emissions(rows, done);
  }

  /** An item dropped: counted, reported, and passed on as a skip. */
  failed(id: ItemId, meta: Meta, error: unknown): Emission {
    this.metrics.errors++;
    this.settings.itemFailed(this.node.name, formatId(id), meta, error);
    return { kind: 'skip', id, meta };
  }

  private emissions(rows: readonly Row[], results: readonly UnitResult[]): Emission[] {
    // Sized once: one emission per row (an empty list grown by push reallocates its store, for every call).
    const emissions = new Array<Emission>(rows.length);
    let next = 0;
    for (let k = 0; k < rows.length; k++) {
      const row = rows[k] as Row;
      if (row.kind === 'eos') throw new Error('unreachable: end of stream inside a batch');
      if (row.kind === 'error') {
        emissions[k] = this.failed(row.id, row.meta, new Error(row.reason));
        continue;
      }
      if (row.kind !== 'data') {
        if (row.kind === 'skip') this.metrics.skipped++;
        emissions[k] = row;
        continue;
      }
      const out = results[next++] as UnitResult;
      if (out !== null && typeof out === 'object' && 'error' in out) {
        emissions[k] = this.failed(row.id, row.meta, out.error);
        continue;
      }
      const problem = this.outputProblem(out);
      emissions[k] = problem ? this.failed(row.id, row.meta, new Error(problem)) : { kind: 'data', id: row.id, meta: out.meta ? mergeMeta(row.meta, out.meta) : row.meta, ports: out.ports };
    }
    return emissions;
  }

  /**
   * The unit on a batch (a promise only when the unit answers with one); a failed batch is tried item by item so
   * only the bad items are dropped.
   */
  private callUnit(rows: readonly DataRow[]): readonly UnitResult[] | Promise<readonly UnitResult[]> {
    const pool = this.settings.pool;
    if (pool) return Promise.allSettled(rows.map((r) => pool.run(r.ports))).then((settled) => settled.map((s) => (s.status === 'fulfilled' ? { ports: s.value } : { error: s.reason })));
    const process = this.process;
    if (!process) throw new Error(`node ${this.node.name}: unit ${this.node.unit?.description.name} has no process()`);
    // A data row already has the shape of a unit's input ({ports, meta}).
    try {
      const called = process(rows);
      // A promise is checked (and a failure retried item by item) by ranLater().
      return called instanceof Promise ? called : this.checked(called, rows.length);
    } catch (error) {
      return this.oneByOne(rows, error);
    }
  }

  /** The unit's outputs, one per input. */
  private checked(outs: readonly UnitResult[], inputs: number): readonly UnitResult[] {
    if (!Array.isArray(outs) || outs.length !== inputs) throw this.countProblem(outs, inputs);
    return outs;
  }

  /** What is wrong with an answer that is not a list of one output per input. */
  countProblem(outs: unknown, inputs: number): Error {
    const got = Array.isArray(outs) ? `${outs.length} outputs` : `${outs === null ? 'null' : typeof outs} instead of a list of outputs`;
    return new Error(`unit ${this.node.unit?.description.name} returned ${got} for ${inputs} inputs`);
  }

  /** After a batch failed: each item on its own, so only the bad ones are dropped. */
  private async oneByOne(inputs: readonly UnitInput[], error: unknown): Promise<UnitResult[]> {
    const process = this.process;
    if (inputs.length === 1 || !process) return [{ error }];
    const one: UnitResult[] = [];
    for (const input of inputs) {
      try {
        const [out] = await process([input]);
        one.push(out ?? { error: new Error('the unit returned no output') });
      } catch (itemError) {
        one.push({ error: itemError });
      }
    }
    return one;
  }

  /**
   * What is wrong with an output (undefined: nothing): it has a ports object; a condition unit sets exactly one
   * output, other units set every connected one.
   */
  outputProblem(out: UnitOutput | null | undefined): string | undefined {
    if (typeof out?.ports !== 'object' || out.ports === null) return `unit ${this.node.unit?.description.name} gave an output without a ports object`;
    if (this.condition) {
      let set = 0;
      const reads = this.outputReads;
      for (let o = 0; o < reads.length; o++) if ((reads[o] as PortRead)(out.ports) !== undefined) set++;
      return set === 1 ? undefined : `condition unit ${this.node.unit?.description.name} must set exactly one output, set ${set}`;
    }
    const connected = this.settings.connectedOutputs;
    const reads = this.connectedReads;
    for (let o = 0; o < reads.length; o++) {
      if ((reads[o] as PortRead)(out.ports) === undefined) {
        const missing = connected.filter((p) => out.ports[p] === undefined);
        return `unit ${this.node.unit?.description.name} gave no value on output ${missing.join(', ')}`;
      }
    }
    return undefined;
  }
}
