/**
 * A bounded FIFO between two units: `push` waits while it is full (backpressure: a slow unit slows its producers
 * instead of letting memory grow), `shift` waits while it is empty. One producer and one consumer per queue.
 *
 * A producer that waited for room is woken once the queue has drained to half its capacity, not as soon as one slot
 * is free: behind a slow unit the producers then run in bursts of half a queue, instead of every unit upstream
 * waking (a promise, a turn of the event loop) for every single item.
 */
import { ItemBuffer } from './item-buffer.js';

export class BoundedQueue<T> {
  private readonly items = new ItemBuffer<T>();
  private waitingConsumer: (() => void) | undefined;
  private waitingProducer: (() => void) | undefined;
  /** Most items held at once. */
  maxDepth = 0;
  /** A waiting producer is woken when the queue holds this many items or fewer. */
  private readonly lowWater: number;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`queue capacity must be a positive integer, got ${capacity}`);
    this.lowWater = Math.floor(capacity / 2);
  }

  get size(): number {
    return this.items.size;
  }

  /** Waits for room, then adds the item. */
  async push(item: T): Promise<void> {
    while (this.size >= this.capacity) {
      await new Promise<void>((resolve) => (this.waitingProducer = resolve));
    }
    this.items.push(item);
    if (this.size > this.maxDepth) this.maxDepth = this.size;
    const consumer = this.waitingConsumer;
    this.waitingConsumer = undefined;
    consumer?.();
  }

  /** Adds the item if there is room now (no waiting, no promise); false when full. */
  tryPush(item: T): boolean {
    if (this.size >= this.capacity) return false;
    this.items.push(item);
    if (this.size > this.maxDepth) this.maxDepth = this.size;
    const consumer = this.waitingConsumer;
    this.waitingConsumer = undefined;
    consumer?.();
    return true;
  }

  /** Waits for an item, then takes it. */
  async shift(): Promise<T> {
    while (this.size === 0) {
      await new Promise<void>((resolve) => (this.waitingConsumer = resolve));
    }
    return this.take();
  }

  /**
   * Undefined when an item is there; else a promise that resolves when one is added (the one consumer then takes
   * it). One promise per wait, no async frame: the scheduler waits this way for every item that is not there yet.
   */
  waitForItem(): Promise<void> | undefined {
    if (this.size > 0) return undefined;
    return new Promise<void>((resolve) => (this.waitingConsumer = resolve));
  }

  /** The next item if one is there now. */
  tryShift(): { item: T } | undefined {
    return this.size === 0 ? undefined : { item: this.take() };
  }

  /**
   * The next item if one is there now, else undefined: tryShift() without a wrapper object per item, for queues
   * whose items are never undefined (the scheduler's tokens).
   */
  poll(): T | undefined {
    return this.size === 0 ? undefined : this.take();
  }

  /** The next item without taking it, if one is there now. */
  peek(): { item: T } | undefined {
    return this.size === 0 ? undefined : { item: this.items.first() };
  }

  private take(): T {
    const item = this.items.shift();
    if (this.waitingProducer && this.size <= this.lowWater) {
      const producer = this.waitingProducer;
      this.waitingProducer = undefined;
      producer();
    }
    return item;
  }
}
