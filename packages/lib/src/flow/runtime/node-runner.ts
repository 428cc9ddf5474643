/**
 * Runs one node of a flow: reads its inputs one item at a time (a token from each incoming edge, paired), groups
 * them into batches, calls the unit (with up to `concurrency` batches in flight, or in worker threads), and sends
 * the outputs on in the order the items came, whatever order the calls finish in. An item the unit throws on is
 * reported and goes on as a skip, so the stream goes on and stays paired. A node may be a fused chain of units
 * (fusion.ts): its stages are called in turn on each batch, with nothing scheduled between them.
 */
import type { BuiltNode } from '../graph/build.js';
import type { Meta, UnitInput, UnitInstance, UnitOutput } from '../types.js';
import type { UnitMetrics } from './metrics.js';
import type { BoundedQueue } from './queue.js';
import { FlowInput } from './flow-input.js';
import { FusedStages, type FusedSource } from './fused-stages.js';
import { compileItemChain, type ItemChain, type PushedLoop } from './item-chain.js';
import { portGetter, portObject, type PortRead } from './port-objects.js';
import { combineRow, EOS, formatId, mergeMeta, type ItemId, type Row, type Token } from './tokens.js';
import type { Emission, UnitStage } from './unit-stage.js';

export interface NodeWiring {
  readonly node: BuiltNode;
  /** Per input port, the queues of the edges into it. */
  readonly inputs: readonly { readonly port: string; readonly queues: readonly BoundedQueue<Token>[] }[];
  /** Per output port, the queues of the edges out of it. */
  readonly outputs: ReadonlyMap<string, readonly BoundedQueue<Token>[]>;
  /** False for an output node fed by the streams of several sources: it takes each edge as it comes. */
  readonly paired: boolean;
  /**
   * Normal and condition nodes: the units called on each batch, in turn (one, or the units of a fused node in the
   * graph's order); the node's inputs are the first one's, its outputs the last one's.
   */
  readonly stages: readonly UnitStage[];
  /** A fused node: per stage, the edges into it from the stages before it (none for the first). */
  readonly sources: readonly (readonly FusedSource[])[];
  /** The node's only output edge goes to an output node that this node delivers to itself (fusion.ts). */
  readonly direct?: DirectOutput;
  /** A fused node with batch_size 1 takes each item through a function compiled for its chain (item-chain.ts). */
  readonly compile?: boolean;
  /** A compiled chain's node reads the items of the input node before it itself (no queue, no input node). */
  readonly directInput?: DirectInput;
}

export interface DirectInput {
  /** The node's input port the items come in on. */
  readonly port: string;
  /** The input node's items. */
  readonly feed: AsyncIterable<unknown> | Iterable<unknown>;
  /** The input node's metrics (its items out, counted as it would count them). */
  readonly metrics: UnitMetrics;
}

export interface DirectOutput {
  /** This node's output port. */
  readonly port: string;
  /** The output node's sink (none: items are counted and dropped). */
  readonly sink: ((value: unknown, meta: Meta) => void | Promise<void>) | undefined;
  /** The output node's metrics. */
  readonly metrics: UnitMetrics;
}

export interface NodeHooks {
  /** The node's metrics (a fused chain's: its last unit's, whose items leave the node). */
  readonly metrics: UnitMetrics;
  readonly signal: AbortSignal;
  itemFailed(node: string, id: string, meta: Meta, error: unknown): void;
  /** Output nodes: where the items go. */
  readonly sink?: (value: unknown, meta: Meta) => void | Promise<void>;
  /** Input nodes: where the items come from. */
  readonly feed?: AsyncIterable<unknown> | Iterable<unknown>;
}

const EMPTY_META: Meta = Object.freeze({});

/** The value of a row's only port (an output node has one input port). */
function firstPortValue(ports: Readonly<Record<string, unknown>>): unknown {
  for (const port in ports) return ports[port];
  return undefined;
}

function take(queue: BoundedQueue<Token>): Token | Promise<Token> {
  return queue.poll() ?? queue.shift();
}

export class NodeRunner {
  private readonly node: BuiltNode;
  private readonly kind: string;
  private readonly stages: readonly UnitStage[];
  /** The tokens of one row of a node with several input edges, per port: reused for every row. */
  private readonly scratch: Token[][];
  /** A fused node's units and the edges between them (undefined: one unit). */
  private readonly fused: FusedStages | undefined;
  /** A fused node's chain compiled for one item at a time (item-chain.ts), when its batches are of one item. */
  private readonly itemChain: ItemChain | undefined;
  /** The compiled chain's own loop over a FlowInput that feeds it directly. */
  private readonly pushedLoop: PushedLoop | undefined;
  /** The input ports' names, in the order of wiring.inputs. */
  private readonly inputPorts: readonly string[];
  /** The node's only input edge, when it has one. */
  private readonly single: { readonly port: string; readonly queue: BoundedQueue<Token> } | undefined;
  /** The read of the port a directly called output takes (port-objects.ts). */
  private readonly directRead: PortRead | undefined;
  /** The ports object of a row of the single input edge (port-objects.ts). */
  private readonly singlePorts: ((value: unknown) => Record<string, unknown>) | undefined;
  /** The output ports and their edges' queues, as an array (walked for every item: no Map iterator each time). */
  private readonly outputs: readonly { readonly read: PortRead; readonly queues: readonly BoundedQueue<Token>[] }[];

  constructor(
    private readonly wiring: NodeWiring,
    /** Source, expand and collapse nodes: the unit's code (normal and condition units are in wiring.stages). */
    private readonly instance: UnitInstance | undefined,
    private readonly hooks: NodeHooks,
  ) {
    this.node = wiring.node;
    this.kind = wiring.node.role === 'unit' ? (wiring.node.unit?.description.kind ?? 'normal') : wiring.node.role;
    this.stages = wiring.stages;
    this.scratch = wiring.inputs.map((input) => new Array<Token>(input.queues.length));
    this.fused = wiring.stages.length > 1 ? new FusedStages(wiring.stages, wiring.sources) : undefined;
    const compiled = this.fused && wiring.compile !== false ? compileItemChain(wiring.stages, wiring.sources) : undefined;
    this.itemChain = compiled?.item;
    this.pushedLoop = compiled?.pushed;
    this.inputPorts = wiring.inputs.map((input) => input.port);
    if ((this.kind === 'normal' || this.kind === 'condition') && this.stages.length === 0) throw new Error(`node ${this.node.name}: no unit to run`);
    const only = wiring.inputs.length === 1 && wiring.inputs[0]?.queues.length === 1 ? wiring.inputs[0] : undefined;
    this.single = only ? { port: only.port, queue: only.queues[0] as BoundedQueue<Token> } : undefined;
    this.singlePorts = only ? portObject(only.port) : undefined;
    this.directRead = wiring.direct ? portGetter(wiring.direct.port) : undefined;
    this.outputs = [...wiring.outputs].map(([port, queues]) => ({ read: portGetter(port), queues }));
  }

  /** Items go through a function compiled for the node's chain (item-chain.ts). */
  get compiled(): boolean {
    return this.itemChain !== undefined;
  }

  async run(): Promise<void> {
    if (this.wiring.directInput) await this.runFed(this.wiring.directInput);
    else if (this.kind === 'source' || this.kind === 'input') await this.runSource();
    else if (this.kind === 'output') await this.runOutput();
    else if (this.kind === 'expand') await this.runExpand();
    else if (this.kind === 'collapse') await this.runCollapse();
    else await this.runNormal();
    if (this.stages.length > 0) for (const stage of this.stages) await stage.instance?.close?.();
    else await this.instance?.close?.();
    await this.emitToAll(EOS);
  }

  // ---- reading

  /** One item's tokens from every input edge, combined into a row; without a promise when they are all there. */
  private readRow(): Row | Promise<Row> {
    const single = this.single;
    if (single) {
      // One input edge (most nodes): the token is the row, without the per-port lists.
      const ready = single.queue.poll();
      if (ready !== undefined) return this.rowOf(ready);
      // Not there yet: read it once it is (readRow again, now without waiting).
      return (single.queue.waitForItem() as Promise<void>).then(this.readRowNow);
    }
    if (this.rowReady()) {
      // Filled in place: combine() only reads it, so no lists are made per item.
      const perPort = this.scratch;
      const inputs = this.wiring.inputs;
      for (let p = 0; p < inputs.length; p++) {
        const queues = (inputs[p] as NodeWiring['inputs'][number]).queues;
        const tokens = perPort[p] as Token[];
        for (let q = 0; q < queues.length; q++) tokens[q] = (queues[q] as BoundedQueue<Token>).poll() as Token;
      }
      return combineRow(this.node.name, this.inputPorts, perPort);
    }
    return this.readRowWaiting();
  }

  /**
   * A row of a node with several input edges once every edge has a token: waits for the first empty edge, looks
   * again, and reads the row in place (readRow's scratch) when all are there; no lists or taken tokens per wait.
   */
  private async readRowWaiting(): Promise<Row> {
    for (;;) {
      const empty = this.firstEmptyQueue();
      if (empty === undefined) return this.readRow() as Row;
      await empty.waitForItem();
    }
  }

  /** readRow() once an item has arrived (bound once: no closure per wait). */
  private readonly readRowNow = (): Row | Promise<Row> => this.readRow();

  private firstEmptyQueue(): BoundedQueue<Token> | undefined {
    for (const input of this.wiring.inputs) for (const queue of input.queues) if (queue.size === 0) return queue;
    return undefined;
  }

  /** True when every input edge has a token waiting: the next row can be read without waiting. */
  private rowReady(): boolean {
    for (const input of this.wiring.inputs) for (const queue of input.queues) if (queue.size === 0) return false;
    return true;
  }

  private rowOf(token: Token): Row {
    if (token.kind === 'data') return { kind: 'data', id: token.id, ports: (this.singlePorts as (value: unknown) => Record<string, unknown>)(token.value), meta: token.meta };
    if (token.kind === 'eos') return { kind: 'eos' };
    return { kind: token.kind, id: token.id, meta: token.meta };
  }

  // ---- writing

  private async emitToAll(token: Token): Promise<void> {
    for (const queues of this.wiring.outputs.values()) for (const q of queues) if (!q.tryPush(token)) await q.push(token);
  }

  /** emit(), bound once (a compiled chain's own loop calls it for every item). */
  private readonly emitNow = (e: Emission): Promise<void> | undefined => this.emit(e);

  /** The tokens of one emission on every output edge; a promise only when some queue is full (backpressure). */
  private emit(e: Emission): Promise<void> | undefined {
    if (e.kind === 'data') this.hooks.metrics.itemsOut++;
    const direct = this.wiring.direct;
    if (direct !== undefined) return this.deliver(direct, e);
    let pending: [BoundedQueue<Token>, Token][] | undefined;
    for (let o = 0; o < this.outputs.length; o++) {
      const { read, queues } = this.outputs[o] as (typeof this.outputs)[number];
      let token: Token;
      if (e.kind !== 'data') token = e;
      else {
        const value = read(e.ports);
        token = value === undefined ? { kind: 'skip', id: e.id, meta: e.meta } : { kind: 'data', id: e.id, value, meta: e.meta };
      }
      for (let k = 0; k < queues.length; k++) {
        const q = queues[k] as BoundedQueue<Token>;
        // Once one push has to wait, the rest go after it, in order.
        if (pending !== undefined || !q.tryPush(token)) (pending ??= []).push([q, token]);
      }
    }
    if (pending === undefined) return undefined;
    const waiting = pending;
    return (async () => {
      for (const [q, token] of waiting) await q.push(token);
    })();
  }

  /** An emission given to an output node's sink directly, counted as that node would count it. */
  private deliver(direct: DirectOutput, e: Emission): Promise<void> | undefined {
    const value = e.kind === 'data' ? (this.directRead as PortRead)(e.ports) : undefined;
    if (value === undefined) {
      if (e.kind !== 'sub-end') direct.metrics.skipped++;
      return undefined;
    }
    direct.metrics.itemsIn++;
    const delivered = direct.sink?.(value, e.meta);
    return delivered instanceof Promise ? delivered : undefined;
  }

  /** Expand and collapse nodes: an item dropped, counted, reported, passed on as a skip. */
  private failed(id: ItemId, meta: Meta, error: unknown): Emission {
    this.hooks.metrics.errors++;
    this.hooks.itemFailed(this.node.name, formatId(id), meta, error);
    return { kind: 'skip', id, meta };
  }

  // ---- the kinds of node

  private async runSource(): Promise<void> {
    const signal = this.hooks.signal;
    const stream: AsyncIterable<unknown> | Iterable<unknown> = this.kind === 'input' ? (this.hooks.feed ?? []) : (this.instance?.source?.() ?? []);
    let seq = 0;
    const emission = (produced: unknown): Emission => {
      const id = [seq++];
      if (this.kind === 'input') return { kind: 'data', id, meta: { index: id[0] }, ports: { out: produced } };
      const out = produced as UnitOutput;
      return { kind: 'data', id, meta: out.meta ?? EMPTY_META, ports: out.ports };
    };
    if (Array.isArray(stream)) {
      // An input node's array, by index (a for-of with an await in its body keeps an iterator result per item).
      for (let k = 0; k < stream.length; k++) {
        if (signal.aborted) break;
        const waiting = this.emit(emission(stream[k]));
        if (waiting) await waiting;
      }
      return;
    }
    if (stream instanceof FlowInput) {
      for (;;) {
        const produced = stream.poll() ?? (await nextPushed(stream, signal));
        if (produced === undefined || signal.aborted) return;
        const waiting = this.emit(emission(produced));
        if (waiting) await waiting;
      }
    }
    if (Symbol.iterator in stream) {
      // Items already in memory: taken without a promise per item; the loop waits only when a queue is full, so
      // the consumers are woken once per run of items instead of once per item.
      for (const produced of stream) {
        if (signal.aborted) break;
        const waiting = this.emit(emission(produced));
        if (waiting) await waiting;
      }
      return;
    }
    for await (const produced of stream) {
      if (signal.aborted) break;
      const waiting = this.emit(emission(produced));
      if (waiting) await waiting;
      if (signal.aborted) break;
    }
  }

  private async runOutput(): Promise<void> {
    const sink = this.hooks.sink;
    const metrics = this.hooks.metrics;
    // Returns a promise only when the sink does: a row that is there and a sink that is synchronous cost no tick.
    const deliver = (kind: Row['kind'], value: unknown, meta: Meta): void | Promise<void> => {
      if (kind === 'data') {
        metrics.itemsIn++;
        if (sink) return sink(value, meta);
      } else if (kind === 'skip') metrics.skipped++;
      return undefined;
    };
    if (this.wiring.paired) {
      for (;;) {
        const next = this.readRow();
        const row = next instanceof Promise ? await next : next;
        if (row.kind === 'eos') return;
        const delivered = deliver(row.kind, row.kind === 'data' ? firstPortValue(row.ports) : undefined, row.meta);
        if (delivered) await delivered;
      }
    }
    // Streams of different sources: each edge in its own order, as items come.
    const queues = this.wiring.inputs.flatMap((i) => i.queues);
    await Promise.all(queues.map(async (queue) => {
      for (let t = await take(queue); t.kind !== 'eos'; t = await take(queue)) {
        if (t.kind === 'data') {
          const delivered = deliver('data', t.value, t.meta);
          if (delivered) await delivered;
        }
      }
    }));
  }

  /**
   * A reader gathers batches and starts them (at most `concurrency` in flight); an emitter sends the results on in
   * the order the batches started, each as soon as it and those before it are done.
   */
  private async runNormal(): Promise<void> {
    if (this.node.concurrency === 1) return this.runSequential();
    const inFlight: Promise<Emission[]>[] = [];
    let readingDone = false;
    let wakeEmitter: (() => void) | undefined;
    let wakeReader: (() => void) | undefined;
    const emitter = (async () => {
      for (;;) {
        while (inFlight.length === 0) {
          if (readingDone) return;
          await new Promise<void>((resolve) => (wakeEmitter = resolve));
        }
        for (const e of await (inFlight[0] as Promise<Emission[]>)) {
          const waiting = this.emit(e);
          if (waiting) await waiting;
        }
        inFlight.shift();
        wakeReader?.();
        wakeReader = undefined;
      }
    })();
    let failure: unknown;
    emitter.catch((error: unknown) => {
      failure = error;
      wakeReader?.();
    });
    let ended = false;
    while (!ended && failure === undefined) {
      const rows: Row[] = [];
      const first = await this.readRow();
      if (first.kind === 'eos') break;
      rows.push(first);
      let items = first.kind === 'data' ? 1 : 0;
      while (items < this.node.batchSize && this.rowReady()) {
        const row = await this.readRow();
        if (row.kind === 'eos') {
          ended = true;
          break;
        }
        rows.push(row);
        if (row.kind === 'data') items++;
      }
      while (inFlight.length >= this.node.concurrency && failure === undefined) await new Promise<void>((resolve) => (wakeReader = resolve));
      inFlight.push((async () => this.runStages(rows))());
      wakeEmitter?.();
      wakeEmitter = undefined;
    }
    readingDone = true;
    wakeEmitter?.();
    await emitter;
  }

  /**
   * A compiled chain fed by an input node directly: each of the input's items, numbered and with its index as meta
   * as the input node gives them (runSource), through the chain, then sent on. A FlowInput (a worker's stream) is
   * read by the chain's own loop (item-chain.ts pushedLoop); the other kinds of feed by a small method each, so that
   * only the loop that runs is on the items' way (its size: the flow bench's code_sizes).
   */
  private runFed(input: DirectInput): Promise<void> {
    const chain = this.itemChain;
    if (chain === undefined) throw new Error(`node ${this.node.name}: an input read directly needs a compiled chain`);
    const feed = input.feed;
    const item = new FedItems(portObject(input.port), input.metrics);
    if (Array.isArray(feed)) return this.runFedArray(chain, feed, item);
    if (feed instanceof FlowInput) return (this.pushedLoop as PushedLoop)(feed, this.hooks.signal, (value) => item.row(value), this.emitNow, nextPushed);
    if (Symbol.iterator in feed) return this.runFedIterable(chain, feed, item);
    return this.runFedAsync(chain, feed, item);
  }

  /** An array, by index, and no function of our own awaited per item: this loop is the stream's whole envelope. */
  private async runFedArray(chain: ItemChain, feed: readonly unknown[], item: FedItems): Promise<void> {
    const signal = this.hooks.signal;
    for (let k = 0; k < feed.length && !signal.aborted; k++) {
      const waiting = this.emit(await chain(item.row(feed[k])));
      if (waiting) await waiting;
    }
  }

  private async runFedIterable(chain: ItemChain, feed: Iterable<unknown>, item: FedItems): Promise<void> {
    const signal = this.hooks.signal;
    for (const value of feed) {
      if (signal.aborted) break;
      const waiting = this.emit(await chain(item.row(value)));
      if (waiting) await waiting;
    }
  }

  private async runFedAsync(chain: ItemChain, feed: AsyncIterable<unknown>, item: FedItems): Promise<void> {
    const signal = this.hooks.signal;
    for await (const value of feed) {
      if (signal.aborted) break;
      const waiting = this.emit(await chain(item.row(value)));
      if (waiting) await waiting;
    }
  }

  /** One batch at a time: read, call the unit, send the results on, read the next. */
  private async runSequential(): Promise<void> {
    const chain = this.itemChain;
    for (;;) {
      const next = this.readRow();
      const first = next instanceof Promise ? await next : next;
      if (first.kind === 'eos') return;
      if (chain !== undefined && first.kind === 'data') {
        // batch_size 1: the item through the compiled chain (skips and sub-stream ends take the general path).
        const waiting = this.emit(await chain(first));
        if (waiting) await waiting;
        continue;
      }
      const rows: Row[] = [first];
      let items = first.kind === 'data' ? 1 : 0;
      let ended = false;
      while (items < this.node.batchSize && this.rowReady()) {
        const row = this.readRow() as Row;
        if (row.kind === 'eos') {
          ended = true;
          break;
        }
        rows.push(row);
        if (row.kind === 'data') items++;
      }
      // A unit that answers synchronously is called and its results sent on without a promise in between.
      const processed = this.runStages(rows);
      const emissions = processed instanceof Promise ? await processed : processed;
      // Indexed: a for-of with an await in its body keeps an iterator result object per element.
      for (let k = 0; k < emissions.length; k++) {
        const waiting = this.emit(emissions[k] as Emission);
        if (waiting) await waiting;
      }
      if (ended) return;
    }
  }

  /**
   * A batch through the node's unit, or through the units of a fused node (fused-stages.ts: no queue or token
   * between them); a promise only where a unit answers with one.
   */
  private runStages(rows: readonly Row[]): Emission[] | Promise<Emission[]> {
    return this.fused ? this.fused.run(rows) : (this.stages[0] as UnitStage).run(rows);
  }

  private async runExpand(): Promise<void> {
    const expand = this.instance?.expand?.bind(this.instance);
    if (!expand) throw new Error(`node ${this.node.name}: unit ${this.node.unit?.description.name} has no expand()`);
    for (let row = await this.readRow(); row.kind !== 'eos'; row = await this.readRow()) {
      if (row.kind === 'error') {
        await this.emit(this.failed(row.id, row.meta, new Error(row.reason)));
        continue;
      }
      if (row.kind !== 'data') {
        await this.emit({ kind: row.kind, id: row.id, meta: row.meta });
        continue;
      }
      this.hooks.metrics.itemsIn++;
      let k = 0;
      const started = performance.now();
      try {
        for await (const out of expand({ ports: row.ports, meta: row.meta })) {
          await this.emit({ kind: 'data', id: [...row.id, k++], meta: out.meta ? mergeMeta(row.meta, out.meta) : row.meta, ports: out.ports });
          if (this.hooks.signal.aborted) break;
        }
      } catch (error) {
        this.failed(row.id, row.meta, error);
      }
      this.hooks.metrics.observe(Math.max(1, k), (performance.now() - started) / 1000);
      await this.emit({ kind: 'sub-end', id: row.id, meta: row.meta });
    }
  }

  private async runCollapse(): Promise<void> {
    const collapse = this.instance?.collapse?.bind(this.instance);
    if (!collapse) throw new Error(`node ${this.node.name}: unit ${this.node.unit?.description.name} has no collapse()`);
    const depth = this.node.level + 1;
    let children: UnitInput[] = [];
    for (let row = await this.readRow(); row.kind !== 'eos'; row = await this.readRow()) {
      if (row.kind === 'data' && row.id.length === depth) {
        this.hooks.metrics.itemsIn++;
        children.push({ ports: row.ports, meta: row.meta });
      } else if ((row.kind === 'skip' || row.kind === 'error') && row.id.length === depth) {
        if (row.kind === 'error') this.failed(row.id, row.meta, new Error(row.reason));
        else this.hooks.metrics.skipped++;
      } else if (row.kind === 'sub-end' && row.id.length === depth - 1) {
        const started = performance.now();
        let emission: Emission;
        try {
          const out = await collapse(children, row.meta);
          emission = { kind: 'data', id: row.id, meta: out.meta ? mergeMeta(row.meta, out.meta) : row.meta, ports: out.ports };
        } catch (error) {
          emission = this.failed(row.id, row.meta, error);
        }
        this.hooks.metrics.observe(Math.max(1, children.length), (performance.now() - started) / 1000);
        children = [];
        await this.emit(emission);
      } else if (row.kind !== 'data') {
        await this.emit(row.kind === 'error' ? this.failed(row.id, row.meta, new Error(row.reason)) : { kind: row.kind, id: row.id, meta: row.meta });
      }
    }
  }
}

/** The rows of a directly fed chain's items: numbered, the index as meta, counted out of the input node. */
class FedItems {
  private seq = 0;

  constructor(
    /** The ports object of the chain's input port (port-objects.ts). */
    private readonly ports: (value: unknown) => Record<string, unknown>,
    /** The input node's metrics. */
    private readonly counts: UnitMetrics,
  ) {}

  row(value: unknown): Extract<Row, { kind: 'data' }> {
    const index = this.seq++;
    this.counts.itemsOut++;
    return { kind: 'data', id: [index], ports: this.ports(value), meta: { index } };
  }
}

/**
 * A FlowInput's next item once one is pushed; undefined when it has ended with none left, or the flow is stopping
 * (the flow wakes the wait when it stops). Called only when poll() found nothing: a promise per wait, not per item.
 */
async function nextPushed<T>(input: FlowInput<T>, signal: AbortSignal): Promise<T | undefined> {
  for (;;) {
    if (input.ended || signal.aborted) return input.poll();
    await input.waitForItem();
    const item = input.poll();
    if (item !== undefined) return item;
  }
}
