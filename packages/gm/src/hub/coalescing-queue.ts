/**
 * A FIFO of pending writes where a newer value for a key replaces the older one in place. Downstream messages
 * are queued per object (`kind/namespace/name`): only the latest state of an object is worth sending, and an
 * object keeps the place of its first pending change so objects still go out in the order they first changed
 * (a Model before the job that names it).
 */
export class CoalescingQueue<V> {
  private readonly entries = new Map<string, V>();

  /** Queues `value` under `key`; returns true when it replaced a value not yet taken. */
  put(key: string, value: V): boolean {
    const replaced = this.entries.has(key);
    this.entries.set(key, value);
    return replaced;
  }

  /** Takes the oldest pending entry. */
  shift(): V | undefined {
    for (const [key, value] of this.entries) {
      this.entries.delete(key);
      return value;
    }
    return undefined;
  }

  clear(): void {
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}
