/**
 * A bound on the upstream messages the hub holds at once, across every node. Each one held is GM memory (its
 * parsed frame, its handler's promise chain, its request to the API server), and nothing else bounds them: a
 * thousand LCs reporting faster than the API server stores (a loaded machine, a burst after a reconnect) queued
 * tens of thousands in the GM's heap (the control plane benchmark's peak GM RSS went past 500 MB that way). Past
 * the limit the hub stops reading the sockets of the nodes that send more (TCP flow control: the LC's writes wait
 * and its outbox keeps the messages, which is what it is for), and reads them again once half the budget is free.
 */

/** What the budget pauses: a node's connection (NodeSession). */
export interface PausableSource {
  pauseReading(): void;
  resumeReading(): void;
}

export class UpstreamBudget {
  private held = 0;
  private readonly paused = new Set<PausableSource>();

  constructor(readonly limit: number) {}

  /** Messages held now (arrived and not yet acknowledged). */
  get inFlight(): number {
    return this.held;
  }

  /** Connections not read for now. */
  get pausedSources(): number {
    return this.paused.size;
  }

  /** A message from `source` is held: counted, and its connection paused while the budget is spent. */
  acquire(source: PausableSource): void {
    this.held++;
    if (this.held >= this.limit && !this.paused.has(source)) {
      this.paused.add(source);
      source.pauseReading();
    }
  }

  /** A held message was acknowledged (or refused): once half the budget is free, every paused connection reads again. */
  release(): void {
    this.held = Math.max(0, this.held - 1);
    if (this.paused.size === 0 || this.held > this.limit / 2) return;
    const sources = [...this.paused];
    this.paused.clear();
    for (const source of sources) source.resumeReading();
  }

  /** A connection that closed: nothing to resume. */
  forget(source: PausableSource): void {
    this.paused.delete(source);
  }
}
