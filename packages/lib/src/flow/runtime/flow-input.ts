/**
 * Items for a graph's input node (`type=input`) given as they come rather than all at once: from a camera's
 * callback, the caller's own server, or round after round of work through a flow kept open (a worker opens its graph
 * once). Give it in `FlowOptions.inputs`, `push` items, and `end()` the stream after the last one.
 *
 * `push` waits while `capacity` items wait to be taken (backpressure, as between two units): a producer faster than
 * the graph slows down instead of letting memory grow. Several producers may push at once; their items are taken in
 * the order they were added. The flow takes items as they are there, without a promise per item, and waits only
 * when none is.
 */
import { DEFAULT_QUEUE_SIZE } from '../description/graph-document.js';
import { ItemBuffer } from './item-buffer.js';

export class FlowInput<T = unknown> implements AsyncIterable<T> {
  private readonly items = new ItemBuffer<T>();
  private isEnded = false;
  /** Why items are no longer taken (the flow stopped or failed): pushes are refused with it. */
  private refusal: Error | undefined;
  /** The flow's reader, waiting for an item, the end, or its flow stopping. */
  private reader: (() => void) | undefined;
  /** Producers waiting for room; woken together once the queue has drained to half (see BoundedQueue). */
  private producers: (() => void)[] = [];
  private readonly lowWater: number;
  /** Set when a flow reads this input: one flow, one input node. */
  private owner: string | undefined;

  constructor(readonly capacity: number = DEFAULT_QUEUE_SIZE) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`FlowInput capacity must be a positive integer, got ${capacity}`);
    this.lowWater = Math.floor(capacity / 2);
  }

  /** Items given and not yet taken. */
  get size(): number {
    return this.items.size;
  }

  /** True once end() was called (items given before may still be waiting to be taken). */
  get ended(): boolean {
    return this.isEnded;
  }

  /** Adds an item, waiting first while the input is full. Rejects after end(), or once the flow has stopped. */
  async push(item: T): Promise<void> {
    this.check(item);
    while (this.size >= this.capacity) {
      await new Promise<void>((resolve) => this.producers.push(resolve));
      this.check(item);
    }
    this.add(item);
  }

  /** Adds an item if there is room now (no waiting); false when the input is full. Throws as push() rejects. */
  tryPush(item: T): boolean {
    this.check(item);
    if (this.size >= this.capacity) return false;
    this.add(item);
    return true;
  }

  /** No more items: the flow's stream ends after the items already given. */
  end(): void {
    this.isEnded = true;
    this.wakeReader();
  }

  // ---- the flow's side

  /** What reads this input (`node in of flow ji`), once a flow has opened with it; undefined before. */
  get attached(): string | undefined {
    return this.owner;
  }

  /** The flow's input node that reads this input (`node in of flow ji`); a second one is refused. */
  attach(reader: string): void {
    if (this.owner !== undefined) throw new Error(`inputs: a FlowInput feeds one input node of one flow; this one already feeds ${this.owner}`);
    this.owner = reader;
  }

  /** The flow that attached it failed to open: free for another. */
  detach(): void {
    this.owner = undefined;
  }

  /** The next item if one is there now. */
  poll(): T | undefined {
    if (this.items.size === 0) return undefined;
    const item = this.items.shift();
    if (this.producers.length > 0 && this.size <= this.lowWater) {
      const waiting = this.producers;
      this.producers = [];
      for (const wake of waiting) wake();
    }
    return item;
  }

  /** Resolves when an item is added, the input ends, or wakeReader() is called (its flow stopping). */
  waitForItem(): Promise<void> {
    return new Promise<void>((resolve) => (this.reader = resolve));
  }

  /** Ends a wait of waitForItem() without an item (the flow is stopping). */
  wakeReader(): void {
    const reader = this.reader;
    this.reader = undefined;
    reader?.();
  }

  /** The flow takes no more items: waiting and later pushes are refused with `reason`. */
  refuse(reason: string): void {
    this.refusal = new Error(reason);
    const waiting = this.producers;
    this.producers = [];
    for (const wake of waiting) wake();
  }

  /** The items one at a time until end(), for a reader of its own (the flow does not use this). */
  async *[Symbol.asyncIterator](): AsyncGenerator<T, void, undefined> {
    for (;;) {
      const item = this.poll();
      if (item !== undefined) yield item;
      else if (this.isEnded || this.refusal) return;
      else await this.waitForItem();
    }
  }

  private check(item: T): void {
    if (this.isEnded) throw new Error('FlowInput: push after end()');
    if (this.refusal) throw this.refusal;
    if (item === undefined) throw new TypeError('FlowInput: an item cannot be undefined');
  }

  private add(item: T): void {
    this.items.push(item);
    this.wakeReader();
  }
}
