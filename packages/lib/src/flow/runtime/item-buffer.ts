/**
 * The items of a queue in arrival order: an array read from its head, compacted now and then so that it does not
 * grow with the stream (shifting an array at its front would move every item each time). No bound and no waiting:
 * BoundedQueue and FlowInput add those.
 */
export class ItemBuffer<T> {
  private items: T[] = [];
  private head = 0;

  get size(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    this.items.push(item);
  }

  /** The first item, taken; only when size > 0. */
  shift(): T {
    const item = this.items[this.head] as T;
    this.items[this.head] = undefined as T;
    this.head++;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items.splice(0, this.head);
      this.head = 0;
    }
    return item;
  }

  /** The first item, left in place; only when size > 0. */
  first(): T {
    return this.items[this.head] as T;
  }
}
