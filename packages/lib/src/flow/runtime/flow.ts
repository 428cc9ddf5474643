/**
 * A running graph: one NodeRunner per node, a bounded queue per edge, the units opened first (a unit that cannot
 * open fails the start, naming its node), then everything runs until the sources end (or `stop()` ends them) and
 * the end of the stream has passed every node. Per-unit metrics and events (an item a unit failed on, a hot update)
 * are kept on the flow.
 */
import type { Registry } from '@sedna/metrics';
import type { Env } from '../../common/config.js';
import type { BuiltEdge, BuiltGraph, BuiltNode } from '../graph/build.js';
import type { Meta, UnitInstance } from '../types.js';
import { fusionEnabled, planFusion, type FusionPlan } from './fusion.js';
import { FlowInput } from './flow-input.js';
import { FlowMetrics } from './metrics.js';
import type { FusedSource } from './fused-stages.js';
import { compilable } from './item-chain.js';
import { NodeRunner, type DirectInput, type DirectOutput } from './node-runner.js';
import { BoundedQueue } from './queue.js';
import { UnitThreadPool } from './thread-pool.js';
import type { Token } from './tokens.js';
import { UnitStage } from './unit-stage.js';

export interface FlowEvent {
  readonly type: 'Normal' | 'Warning';
  readonly reason: string;
  readonly node: string;
  readonly message: string;
  /** The message without what differs per item (its id): repeats of one failure share it and are counted as one. */
  readonly summary: string;
  readonly time: string;
}

export interface FlowOptions {
  /** The worker's environment (default process.env). */
  env?: Env;
  log?: (line: string) => void;
  /** Every event (also kept in `flow.events`, the last 1000). */
  onEvent?: (event: FlowEvent) => void;
  /**
   * Items for the graph's `type=input` nodes, by node name: all at once (an array, any iterable), as a generator
   * makes them, or pushed as they come (a FlowInput, which also keeps a flow open for work given round after round).
   */
  inputs?: Readonly<Record<string, AsyncIterable<unknown> | Iterable<unknown> | FlowInput>>;
  /** Where the flow's metrics are shown (a worker's: `workerRegistry()`); default a registry of the flow's own. */
  metricsRegistry?: Registry;
  /** Where the items of the graph's `type=output` nodes go, by node name (default: counted and dropped). */
  outputs?: Readonly<Record<string, (value: unknown, meta: Meta) => void | Promise<void>>>;
  /**
   * Run linear chains of units as one node each (runtime/fusion.ts). Default: the environment's SEDNA_FLOW_FUSE,
   * else the graph file's `[graph] fuse`, else on.
   */
  fuse?: boolean;
  /**
   * Take each item of a fused node with batch_size 1 through a function compiled for its chain
   * (runtime/item-chain.ts). Default on; off, such nodes run their general path (for tests and comparisons).
   */
  compile?: boolean;
}

const KEPT_EVENTS = 1000;

export class Flow {
  readonly metrics: FlowMetrics;
  readonly events: FlowEvent[] = [];
  private readonly abort = new AbortController();
  private readonly instances = new Map<string, UnitInstance>();
  private readonly pools: UnitThreadPool[] = [];
  private done: Promise<void> | undefined;
  private readonly log: (line: string) => void;
  /** The units that run as one node each (runtime/fusion.ts; by node name, in the graph's order); set by `start()`. */
  fusedChains: readonly (readonly string[])[] = [];
  /** Of the fused nodes, those whose items go through a function compiled for their chain (batch_size 1). */
  compiledChains: readonly (readonly string[])[] = [];

  private constructor(
    readonly graph: BuiltGraph,
    private readonly options: FlowOptions,
  ) {
    this.metrics = new FlowMetrics(graph.name, options.metricsRegistry);
    this.log = options.log ?? ((line) => process.stderr.write(`${new Date().toISOString()} [flow ${graph.name}] ${line}\n`));
  }

  /** Opens every unit (loads models, binds ports...); nothing flows until `start()`. */
  static async open(graph: BuiltGraph, options: FlowOptions = {}): Promise<Flow> {
    const flow = new Flow(graph, options);
    for (const name of Object.keys(options.inputs ?? {})) if (!graph.nodes.some((n) => n.name === name && n.role === 'input')) throw new Error(`inputs: ${name} is not an input node of the graph`);
    // Each FlowInput is this flow's from now on (refused if another flow, or another input node, has it already);
    // given back if the flow fails to open.
    const attached: FlowInput[] = [];
    try {
      for (const [name, feed] of flow.pushedInputs()) {
        feed.attach(`node ${name} of flow ${graph.name}`);
        attached.push(feed);
      }
      for (const node of graph.nodes) {
        if (node.role === 'input' && !options.inputs?.[node.name]) throw new Error(`node ${node.name} is an input (type=input): give its items in the flow's inputs`);
        if (node.role !== 'unit' || !node.unit) continue;
        const unit = node.unit;
        try {
          flow.instances.set(
            node.name,
            await unit.open({
              node: node.name,
              options: node.options,
              env: options.env ?? process.env,
              baseDir: graph.baseDir,
              signal: flow.abort.signal,
              log: (line) => flow.log(`${node.name}: ${line}`),
              event: (type, reason, message) => flow.event(type, reason, node.name, message),
            }),
          );
        } catch (error) {
          throw new Error(`node ${node.name} (unit ${unit.description.name}) failed to open: ${(error as Error).message}`, { cause: error });
        }
      }
    } catch (error) {
      for (const feed of attached) feed.detach();
      await flow.closeUnits();
      throw error;
    }
    return flow;
  }

  /** Starts the stream; resolves once it has ended (see `wait()`). */
  start(): Promise<void> {
    if (this.done) return this.done;
    // A stop ends the flow's wait for the next pushed item.
    for (const [, feed] of this.pushedInputs()) this.abort.signal.addEventListener('abort', () => feed.wakeReader(), { once: true });
    const fusion: FusionPlan = fusionEnabled(this.options.fuse, this.options.env ?? process.env, this.graph) ? planFusion(this.graph) : { chains: [], internalEdges: new Set(), directOutputs: new Set() };
    this.fusedChains = fusion.chains.map((chain) => chain.map((n) => n.name));
    const queues = new Map<BuiltEdge, BoundedQueue<Token>>();
    const byName = new Map(this.graph.nodes.map((n) => [n.name, n]));
    // An input node whose one edge goes to a compiled chain: that chain's node reads the input's items itself.
    const directInputs = new Map<string, BuiltEdge>();
    if (this.options.compile !== false) {
      for (const chain of fusion.chains) {
        const head = chain[0] as BuiltNode;
        const into = this.graph.edges.filter((e) => e.to.node === head.name);
        const from = into.length === 1 ? byName.get((into[0] as BuiltEdge).from.node) : undefined;
        if (!from || from.role !== 'input' || this.graph.edges.filter((e) => e.from.node === from.name).length !== 1) continue;
        if (compilable(chain, (n) => this.instances.get(n.name))) directInputs.set(head.name, into[0] as BuiltEdge);
      }
    }
    const directInputEdges = new Set(directInputs.values());
    for (const e of this.graph.edges) {
      // Inside a fused chain the units call one another, a node feeding an output calls its sink, and a compiled
      // chain reads its input node's items: no queue.
      if (fusion.internalEdges.has(e) || fusion.directOutputs.has(e) || directInputEdges.has(e)) continue;
      // The consumer's queue_size bounds what waits in front of it.
      const queue = new BoundedQueue<Token>(byName.get(e.to.node)?.queueSize ?? 32);
      queues.set(e, queue);
      this.metrics.queues.push({ from: `${e.from.node}:${e.from.port}`, to: `${e.to.node}:${e.to.port}`, queue: queue as BoundedQueue<unknown> });
    }
    const itemFailed = (name: string, id: string, meta: Meta, error: unknown): void => {
      const why = error instanceof Error ? error.message : String(error);
      this.event('Warning', 'ItemFailed', name, `item ${id}${describeMeta(meta)} dropped: ${why}`, `an item was dropped: ${why}`);
    };
    // Every node's metrics, in graph order, whether it runs alone or in a chain.
    for (const node of this.graph.nodes) this.metrics.unit(node.name, node.unit?.description.name ?? node.role);
    const chainOf = new Map<string, readonly BuiltNode[]>();
    for (const chain of fusion.chains) for (const node of chain) chainOf.set(node.name, chain);
    const stageOf = (node: BuiltNode): UnitStage => {
      let pool: UnitThreadPool | undefined;
      if (node.threads > 0 && node.unit?.threadFunction) {
        pool = new UnitThreadPool(node.unit.threadFunction, node.options, node.threads, node.name);
        this.pools.push(pool);
      }
      const connectedOutputs = [...new Set(this.graph.edges.filter((e) => e.from.node === node.name).map((e) => e.from.port))];
      return new UnitStage({ node, instance: this.instances.get(node.name), pool, metrics: this.metrics.unit(node.name, node.unit?.description.name ?? node.role), connectedOutputs, itemFailed });
    };
    const runners: { runner: NodeRunner; name: string }[] = [];
    for (const node of this.graph.nodes) {
      const chain = chainOf.get(node.name) ?? [node];
      if (chain[0] !== node) continue; // a later unit of a fused chain: its chain's head runs it
      if (node.role === 'output' && this.graph.edges.some((e) => e.to.node === node.name && fusion.directOutputs.has(e))) continue; // the node before delivers
      if (node.role === 'input' && this.graph.edges.some((e) => e.from.node === node.name && directInputEdges.has(e))) continue; // the node after reads it
      const last = chain.at(-1) as BuiltNode;
      const inputs = node.inputs.map((port) => ({ port: port.name, queues: this.graph.edges.filter((e) => e.to.node === node.name && e.to.port === port.name).map((e) => queues.get(e) as BoundedQueue<Token>) }));
      const outputs = new Map<string, BoundedQueue<Token>[]>();
      let direct: DirectOutput | undefined;
      for (const e of this.graph.edges) {
        if (e.from.node !== last.name) continue;
        if (fusion.directOutputs.has(e)) direct = { port: e.from.port, sink: this.options.outputs?.[e.to.node], metrics: this.metrics.unit(e.to.node, 'output') };
        else outputs.set(e.from.port, [...(outputs.get(e.from.port) ?? []), queues.get(e) as BoundedQueue<Token>]);
      }
      const origins = new Set(this.graph.edges.filter((e) => e.to.node === node.name).map((e) => byName.get(e.from.node)?.origin));
      const kind = node.unit?.description.kind;
      const stages = node.role === 'unit' && (kind === 'normal' || kind === 'condition') ? chain.map(stageOf) : [];
      // A fused node: per unit, the edges into it from the units before it.
      const stageIndex = new Map(chain.map((n, k) => [n.name, k]));
      const sources: FusedSource[][] = chain.map((member, k) =>
        k === 0 ? [] : this.graph.edges.filter((e) => e.to.node === member.name && stageIndex.has(e.from.node)).map((e) => ({ stage: stageIndex.get(e.from.node) as number, fromPort: e.from.port, toPort: e.to.port })),
      );
      const sink = this.options.outputs?.[node.name];
      const feed = this.options.inputs?.[node.name];
      const inputEdge = directInputs.get(node.name);
      const directInput: DirectInput | undefined = inputEdge ? { port: inputEdge.to.port, feed: this.options.inputs?.[inputEdge.from.node] ?? [], metrics: this.metrics.unit(inputEdge.from.node, 'input') } : undefined;
      const runner = new NodeRunner({ node, inputs, outputs, paired: origins.size <= 1, stages, sources, compile: this.options.compile !== false, ...(direct ? { direct } : {}), ...(directInput ? { directInput } : {}) }, stages.length > 0 ? undefined : this.instances.get(node.name), {
        metrics: this.metrics.unit(last.name, last.unit?.description.name ?? last.role),
        signal: this.abort.signal,
        itemFailed,
        ...(sink ? { sink } : {}),
        ...(feed ? { feed } : {}),
      });
      runners.push({ runner, name: chain.length > 1 ? chain.map((n) => n.name).join('+') : node.name });
      if (runner.compiled) this.compiledChains = [...this.compiledChains, chain.map((n) => n.name)];
    }
    this.done = new Promise<void>((resolve, reject) => {
      let left = runners.length;
      let failed = false;
      if (left === 0) resolve();
      runners.forEach(({ runner, name: node }) => {
        runner.run().then(
          () => {
            if (--left === 0 && !failed) void this.finish().then(resolve, reject);
          },
          (error: unknown) => {
            if (failed) return;
            failed = true;
            this.event('Warning', 'FlowFailed', node, (error as Error).message);
            this.abort.abort();
            void this.finish().then(() => reject(new Error(`node ${node}: ${(error as Error).message}`, { cause: error })), reject);
          },
        );
      });
    });
    return this.done;
  }

  /** Resolves when the stream has ended and every unit has closed. */
  wait(): Promise<void> {
    if (!this.done) throw new Error('the flow has not started');
    return this.done;
  }

  /** Ends the stream at its sources; the items already inside finish their way; resolves when all is closed. */
  async stop(): Promise<void> {
    this.abort.abort();
    if (this.done) await this.done.catch(() => undefined);
    else {
      this.refusePushes();
      await this.closeUnits();
    }
  }

  get stopping(): boolean {
    return this.abort.signal.aborted;
  }

  private event(type: FlowEvent['type'], reason: string, node: string, message: string, summary = message): void {
    const event: FlowEvent = { type, reason, node, message, summary, time: new Date().toISOString() };
    this.events.push(event);
    if (this.events.length > KEPT_EVENTS) this.events.splice(0, this.events.length - KEPT_EVENTS);
    this.log(`${type} ${reason} ${node}: ${message}`);
    this.options.onEvent?.(event);
  }

  /** The inputs given as FlowInputs, by input node. */
  private pushedInputs(): [string, FlowInput][] {
    return Object.entries(this.options.inputs ?? {}).filter((entry): entry is [string, FlowInput] => entry[1] instanceof FlowInput);
  }

  /** Pushes to the flow's FlowInputs are refused from now on (a producer waiting for room is told so). */
  private refusePushes(): void {
    for (const [name, feed] of this.pushedInputs()) feed.refuse(`flow ${this.graph.name} has ended: its input ${name} takes no more items`);
  }

  private async finish(): Promise<void> {
    this.refusePushes();
    for (const unit of this.metrics.units.values()) unit.settle();
    await Promise.all(this.pools.map((p) => p.close()));
    this.pools.length = 0;
  }

  private async closeUnits(): Promise<void> {
    for (const instance of this.instances.values()) await instance.close?.();
  }
}

function describeMeta(meta: Meta): string {
  const shown = Object.entries(meta).filter(([, v]) => typeof v === 'string' || typeof v === 'number');
  return shown.length ? ` (${shown.map(([k, v]) => `${k}=${String(v)}`).join(', ')})` : '';
}
