/**
 * The units of one fused node (fusion.ts) called on a batch, in the graph's order: a line of units, and a condition
 * unit's branches with the unit where they meet again. Each unit gets the rows it would have read from its queues
 * unfused: an edge inside the node passes a data item's value from the upstream unit's output port to the
 * downstream unit's input port, and a skip where the upstream unit set no value on that port (the branch a
 * condition did not take) or dropped the item; a unit fed by several edges pairs them item by item as a node of its
 * own would (combineRow). So every unit keeps its counts (items, skips, errors), its events and its order; what
 * goes is the queue, token, promise and scheduler turn between units. A promise is made only where a unit answers
 * with one, and the time of each call is measured with one clock read between units (each one's end is the next
 * one's start).
 */
import { portGetter, portObject, type PortRead } from './port-objects.js';
import { combineRow, type Row, type Token } from './tokens.js';
import type { Emission, UnitStage } from './unit-stage.js';

/** An edge inside a fused node: from an output port of an earlier stage to an input port of a later one. */
export interface FusedSource {
  /** The upstream stage's index in the node's stages. */
  readonly stage: number;
  readonly fromPort: string;
  readonly toPort: string;
}

/** What goes on an edge for one emission: the value its port (read by `read`) has, or a skip when there is none. */
function tokenOf(e: Emission, read: PortRead): Token {
  if (e.kind !== 'data') return e;
  const value = read(e.ports);
  return value === undefined ? { kind: 'skip', id: e.id, meta: e.meta } : { kind: 'data', id: e.id, value, meta: e.meta };
}

/** How a stage after the first gets its rows from the emissions of the stages before it. */
type RowsOf = (emitted: readonly (Emission[] | undefined)[]) => Row[];

/** A stage fed by one edge: each emission becomes a row on the edge's input port (the one object a row needs). */
function oneEdge(source: FusedSource): RowsOf {
  const { stage } = source;
  const ports = portObject(source.toPort);
  const read = portGetter(source.fromPort);
  return (emitted) => {
    const emissions = emitted[stage] as Emission[];
    const rows = new Array<Row>(emissions.length);
    for (let k = 0; k < emissions.length; k++) {
      const e = emissions[k] as Emission;
      if (e.kind !== 'data') {
        rows[k] = e;
        continue;
      }
      const value = read(e.ports);
      rows[k] = value === undefined ? { kind: 'skip', id: e.id, meta: e.meta } : { kind: 'data', id: e.id, ports: ports(value), meta: e.meta };
    }
    return rows;
  };
}

/** A stage fed by several edges (where a condition's branches meet): each item's tokens paired into one row. */
function severalEdges(node: string, ports: readonly string[], sources: readonly FusedSource[]): RowsOf {
  const byPort = ports.map((port) => sources.filter((s) => s.toPort === port).map((s) => ({ stage: s.stage, read: portGetter(s.fromPort) })));
  // Reused for every row: combineRow only reads them.
  const perPort: Token[][] = byPort.map((s) => new Array<Token>(s.length));
  return (emitted) => {
    const n = (emitted[(sources[0] as FusedSource).stage] as Emission[]).length;
    const rows = new Array<Row>(n);
    for (let k = 0; k < n; k++) {
      for (let p = 0; p < byPort.length; p++) {
        const feeding = byPort[p] as { stage: number; read: PortRead }[];
        const tokens = perPort[p] as Token[];
        for (let s = 0; s < feeding.length; s++) {
          const source = feeding[s] as { stage: number; read: PortRead };
          tokens[s] = tokenOf((emitted[source.stage] as Emission[])[k] as Emission, source.read);
        }
      }
      rows[k] = combineRow(node, ports, perPort);
    }
    return rows;
  };
}

export class FusedStages {
  /** Per stage after the first: how it gets its rows. */
  private readonly rowsOf: readonly (RowsOf | undefined)[];
  /** The last stage's index: its items leave the node, which counts them as it sends them. */
  private readonly last: number;

  constructor(
    private readonly stages: readonly UnitStage[],
    /** Per stage, the edges into it from earlier stages (none for the first, whose rows are the node's). */
    sources: readonly (readonly FusedSource[])[],
  ) {
    if (stages.length < 2) throw new Error('a fused node has at least two units');
    this.last = stages.length - 1;
    this.rowsOf = stages.map((stage, k) => {
      if (k === 0) return undefined;
      const into = sources[k] ?? [];
      if (into.length === 0) throw new Error(`fused node: unit ${stage.node.name} has no edge from the units before it`);
      for (const s of into) if (!(s.stage < k)) throw new Error(`fused node: unit ${stage.node.name} is fed by a later unit`);
      return into.length === 1 ? oneEdge(into[0] as FusedSource) : severalEdges(stage.node.name, stage.node.inputs.map((p) => p.name), into);
    });
  }

  /** A batch through every stage; the last stage's emissions. A promise only where a unit answers with one. */
  run(rows: readonly Row[]): Emission[] | Promise<Emission[]> {
    const emitted = new Array<Emission[] | undefined>(this.stages.length);
    const first = (this.stages[0] as UnitStage).run(rows);
    if (first instanceof Promise) return this.runFrom(first, 0, emitted);
    emitted[0] = first;
    return this.continueFrom(1, emitted);
  }

  /** Stages `from` on, synchronously until one answers with a promise. */
  private continueFrom(from: number, emitted: (Emission[] | undefined)[]): Emission[] | Promise<Emission[]> {
    for (let k = from; k <= this.last; k++) {
      this.countOut(k - 1, emitted[k - 1] as Emission[]);
      const stage = this.stages[k] as UnitStage;
      // One clock read per unit: this call's time counts from the previous call's end.
      const out = stage.run((this.rowsOf[k] as RowsOf)(emitted), (this.stages[k - 1] as UnitStage).finishedAt);
      if (out instanceof Promise) return this.runFrom(out, k, emitted);
      emitted[k] = out;
    }
    return emitted[this.last] as Emission[];
  }

  /** The rest of the stages once stage k's promise is answered (a `then`, not an async function's steps). */
  private runFrom(pending: Promise<Emission[]>, k: number, emitted: (Emission[] | undefined)[]): Promise<Emission[]> {
    return pending.then((out) => {
      emitted[k] = out;
      return k === this.last ? out : this.continueFrom(k + 1, emitted);
    });
  }

  /** A stage's items out, counted once per item (not per edge), as a node of its own counts what it sends. */
  private countOut(k: number, emissions: readonly Emission[]): void {
    const metrics = (this.stages[k] as UnitStage).metrics;
    for (let e = 0; e < emissions.length; e++) if ((emissions[e] as Emission).kind === 'data') metrics.itemsOut++;
  }
}
