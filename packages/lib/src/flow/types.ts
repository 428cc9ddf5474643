/**
 * The flow runtime's vocabulary: functional units with typed ports and options, the values that flow between
 * them, and what a unit's code implements. ModelBox calls a unit a "flowunit"; we keep that word in file formats and
 * say "unit" in code.
 */
import type { Env } from '../common/config.js';

/**
 * Port types. Two connected ports must have the same type, or one of them `any`. ModelBox's data types name the
 * element (`float`, `uint8`); they map to `tensor` and `image` (see `portTypeOf`).
 */
export const PORT_TYPES = ['any', 'tensor', 'image', 'inference', 'http_request', 'json', 'text', 'url'] as const;
export type PortType = (typeof PORT_TYPES)[number];

export interface PortSpec {
  readonly name: string;
  readonly type: PortType;
  readonly description?: string;
}

export type OptionType = 'string' | 'number' | 'integer' | 'boolean' | 'list';
export type OptionValue = string | number | boolean | readonly (string | number)[];

export interface OptionSpec {
  readonly name: string;
  readonly type: OptionType;
  readonly description: string;
  /** Used when the graph does not set the option (after `env`). */
  readonly default?: OptionValue;
  /** An environment variable of the Sedna worker contract that gives the default (MODEL_URL, HEM_NAME, ...). */
  readonly env?: string;
  readonly required?: boolean;
}

/**
 * What a unit does with its stream (ModelBox's flags): `normal` maps one item to one; `condition` sends each item
 * to exactly one of its outputs; `expand` turns one item into a sub-stream; `collapse` turns a sub-stream into one
 * item; `source` has no inputs and produces the stream.
 */
export type UnitKind = 'normal' | 'condition' | 'expand' | 'collapse' | 'source';

/** A unit as its description (flowunit TOML, or a built-in's declaration) gives it. */
export interface UnitDescription {
  readonly name: string;
  readonly kind: UnitKind;
  readonly description: string;
  readonly version: string;
  readonly device: string;
  readonly inputs: readonly PortSpec[];
  readonly outputs: readonly PortSpec[];
  readonly options: readonly OptionSpec[];
  /** CPU-bound: the scheduler may run it in worker threads (`threads` option). */
  readonly cpuBound?: boolean;
  /**
   * The unit never reads its items' metas: inside a fused node the scheduler may then give it an item's meta
   * without what the units just before it added (merged once, where a unit reads it or the item leaves the node).
   */
  readonly ignoresMeta?: boolean;
}

/** Data every item carries along the graph (frame number, the HTTP exchange it answers, ...). */
export type Meta = Readonly<Record<string, unknown>>;

/** One item at a unit's inputs: a value per input port, and the item's meta. */
export interface UnitInput {
  readonly ports: Readonly<Record<string, unknown>>;
  readonly meta: Meta;
}

/**
 * What a unit produces for one item: a value per output port (a condition unit sets exactly one) and meta to add.
 */
export interface UnitOutput {
  readonly ports: Readonly<Record<string, unknown>>;
  readonly meta?: Meta;
}

/** What the runtime gives a unit when it opens. */
export interface UnitContext {
  /** The node's name in the graph. */
  readonly node: string;
  /** The node's options, checked and with defaults (from the graph, the environment, the description). */
  readonly options: Readonly<Record<string, OptionValue>>;
  /** The worker's environment (MODEL_URL, HEM_NAME, ...). */
  readonly env: Env;
  /** The graph file's folder: relative paths in options are relative to it. */
  readonly baseDir: string;
  /** Aborted when the flow stops: sources end their stream, long calls give up. */
  readonly signal: AbortSignal;
  log(line: string): void;
  /** Tells the flow something worth an event (a hot update, a reconnect...). */
  event(type: 'Normal' | 'Warning', reason: string, message: string): void;
}

/** What a unit's start() began (see UnitInstance.start): the work's promise, and whatever else the unit keeps in it. */
export interface StartedWork {
  readonly work: Promise<unknown>;
}

/** A unit's running code. Implement the method that matches the description's kind. */
export interface UnitInstance {
  /** normal and condition units: one output per input, in order. */
  process?(batch: readonly UnitInput[]): Promise<readonly UnitOutput[]> | readonly UnitOutput[];
  /**
   * Optional, beside process(): what process() gives for a batch of one, without the two lists. A fused node whose
   * units take one item at a time (batch_size 1: a stream's usual case; runtime/item-chain.ts) calls it instead of
   * process() for every item; batches, worker threads and the unfused path call process().
   */
  processOne?(input: UnitInput): Promise<UnitOutput> | UnitOutput;
  /**
   * Optional, for a unit of one input and one output port that neither reads nor adds metas (its description says
   * ignoresMeta, and its answers carry none): processOne() on the input port's value itself, answering the output
   * port's value (or a promise of it). A compiled chain calls it instead of processOne(), without a ports object and
   * an input around each value and an output around each answer (three objects an item fewer).
   */
  processValue?(value: unknown): unknown;
  /**
   * Optional, beside process(), for a unit whose answer to an item is some work's promise turned into its output
   * (onnx_inference: the model's answer): a compiled chain's form of one item, in two steps, used instead of
   * processOne(). start() begins the work and gives its promise with what finish() needs; the chain awaits that
   * promise itself and calls finish(), or fail() when it rejects. fail() throws to drop the item (as a rejected
   * processOne() does), or answers with an output of its own (cloud_inference: the edge's answer when the cloud
   * fails). No `then` of the unit's own per item: one promise, callback and microtask fewer.
   */
  start?(input: UnitInput): StartedWork;
  finish?(started: StartedWork, result: unknown): UnitOutput;
  fail?(started: StartedWork, error: unknown): UnitOutput;
  /** expand units: the sub-stream of one item (may be long: it is consumed with backpressure). */
  expand?(input: UnitInput): AsyncIterable<UnitOutput> | Iterable<UnitOutput>;
  /** collapse units: one output for a whole sub-stream (`parent` is the meta of the item that was expanded). */
  collapse?(items: readonly UnitInput[], parent: Meta): Promise<UnitOutput> | UnitOutput;
  /** source units: the stream, pulled with backpressure; ends when the signal aborts. */
  source?(): AsyncIterable<UnitOutput>;
  /** Called once at the end of the stream, after the last item. */
  close?(): Promise<void> | void;
}

/** A unit the runtime can run: its description and a factory for its code. */
export interface UnitDefinition {
  readonly description: UnitDescription;
  open(context: UnitContext): Promise<UnitInstance> | UnitInstance;
  /**
   * For `cpuBound` units with `threads > 0`: a self-contained pure function `(ports, options) => ports` as source
   * text, run in worker threads (it must not use anything from outside its own body).
   */
  readonly threadFunction?: string;
}

/** An error in a graph or unit file, naming where. */
export class FlowGraphError extends Error {
  override name = 'FlowGraphError';
  constructor(
    message: string,
    readonly problems: readonly string[] = [message],
  ) {
    super(message);
  }
}

/** ModelBox element types and our own names to a port type. */
export function portTypeOf(raw: unknown, where: string): PortType {
  if (raw === undefined || raw === '') return 'any';
  if (typeof raw !== 'string') throw new FlowGraphError(`${where}: type must be a string`);
  const text = raw.trim().toLowerCase();
  if ((PORT_TYPES as readonly string[]).includes(text)) return text as PortType;
  if (['float', 'float32', 'float16', 'float64', 'double', 'int32', 'int64'].includes(text)) return 'tensor';
  if (['uint8', 'int8'].includes(text)) return 'image';
  if (text === 'string') return 'text';
  throw new FlowGraphError(`${where}: unknown port type ${JSON.stringify(raw)} (known: ${PORT_TYPES.join(', ')}, or ModelBox's float, uint8, ...)`);
}
