/**
 * Per-unit metrics of a running flow: items in and out, failures, time per call, and the depth of each queue. The
 * scheduler counts in plain fields on its hot path; `@sedna/metrics` (prom-client) reads them when scraped
 * (`sedna_flow_*`, see its catalogue): the worker's registry under `sedna flow run` (the LC scrapes it like any
 * worker's, and `--metrics-port` serves it), a registry of the flow's own otherwise. `snapshot()` gives them as
 * JSON, with the median and 99th percentile of the last 1024 calls.
 */
import { FLOW_LATENCY_BUCKETS, registerFlowMetrics, Registry, type FlowQueueFigures, type FlowUnitFigures } from '@sedna/metrics';
import type { BoundedQueue } from './queue.js';

const LATENCY_WINDOW = 1024;
/** A compiled chain (item-chain.ts) times every unit's call for its first this many items... */
export const TIMED_FIRST = 256;
/** ... and for one item in this many after; the other calls are counted with the next timed one (observeItem). */
export const TIMED_EVERY = 64;

/** The items that have gone into a compiled chain (item-chain.ts counts them, one increment an item). */
export interface ChainCount {
  items: number;
}

export class UnitMetrics {
  /**
   * Items in and out, and skips, counted one by one by the scheduler. A compiled chain counts its units' items
   * otherwise (countByChain): read a unit's figures through counts(), as the snapshot and Prometheus do.
   */
  itemsIn = 0;
  itemsOut = 0;
  /** Items the unit threw on (reported and dropped). */
  errors = 0;
  /** Items that passed as skips (sent the other way by a condition, or dropped upstream). */
  skipped = 0;
  /** Calls of the unit's code counted by observe(). */
  private calls = 0;
  /** The unit is in a compiled chain, which calls it once per item: its calls are its items in. */
  private callsAreItems = false;
  /**
   * A compiled chain's unit (countByChain): its items in and out follow from the chain's items and the few it did
   * not call or that failed in it, so the chain adds nothing per unit for an item that goes through.
   */
  private chain: { readonly count: ChainCount; readonly last: boolean } | undefined;
  /** Of the chain's items, those that passed this unit as skips (not sent its way, or dropped before it). */
  chainSkipped = 0;
  /** Of the chain's items, those dropped here before the unit was called (two values for one input port). */
  chainRefused = 0;
  /** Of the chain's items, those the unit was called on and failed (threw, or answered wrong). */
  chainFailed = 0;
  /** A compiled chain's unit: its items in at its last timed call (observeItem). */
  private itemsObserved = 0;

  /** Items the unit was called on: those counted, and those of a compiled chain neither skipped nor refused here. */
  private chainItemsIn(): number {
    const chain = this.chain;
    return chain === undefined ? 0 : chain.count.items - this.chainSkipped - this.chainRefused;
  }

  /** The unit's items in and out and its skips, with those of its compiled chain. */
  counts(): { itemsIn: number; itemsOut: number; skipped: number } {
    const chainIn = this.chainItemsIn();
    // A chain's last unit sends its items out of the node, which counts them (itemsOut).
    const chainOut = this.chain === undefined || this.chain.last ? 0 : chainIn - this.chainFailed;
    return { itemsIn: this.itemsIn + chainIn, itemsOut: this.itemsOut + chainOut, skipped: this.skipped + this.chainSkipped };
  }

  /** Seconds spent in the unit's code, summed. */
  busySeconds = 0;
  private readonly recent = new Float64Array(LATENCY_WINDOW);
  private recentCount = 0;
  /** Calls per latency bucket (FLOW_LATENCY_BUCKETS, then one above the last), for the Prometheus histogram. */
  readonly latencyBuckets = new Float64Array(FLOW_LATENCY_BUCKETS.length + 1);

  constructor(
    readonly node: string,
    readonly unit: string,
  ) {}

  /** Calls since the last timed one, given its time (a compiled chain times only some items' calls: see TIMED_EVERY). */
  private untimed = 0;

  /** Calls of the unit's code (a batch each; one item each in a compiled chain). */
  get batches(): number {
    return this.callsAreItems ? this.itemsIn + this.chainItemsIn() : this.calls;
  }

  /**
   * One call of the unit's code on `items` items that took `seconds`. The calls made untimed since the last timed
   * one are counted with it, as taking as long: the histogram and the busy time stay within a few calls of them.
   */
  observe(items: number, seconds: number): void {
    this.calls++;
    const weight = 1 + this.untimed;
    this.untimed = 0;
    this.busySeconds += seconds * weight;
    let bucket = 0;
    while (bucket < FLOW_LATENCY_BUCKETS.length && seconds > (FLOW_LATENCY_BUCKETS[bucket] as number)) bucket++;
    (this.latencyBuckets[bucket] as number) += weight;
    this.lastSeconds = seconds;
    this.lastBucket = bucket;
    const perItem = items > 0 ? seconds / items : seconds;
    this.recent[this.recentCount++ % LATENCY_WINDOW] = perItem;
  }

  /**
   * The unit is in a compiled chain (item-chain.ts): called once for each item in, only some calls timed, and its
   * items in and out counted from the chain's `count` (the last unit's items out are the node's, counted as it sends
   * them).
   */
  countByChain(count: ChainCount, last: boolean): void {
    this.callsAreItems = true;
    this.chain = { count, last };
  }

  /**
   * A compiled chain's timed call (of one item, already among its items in): the calls since the last timed one,
   * counted only as items in, are given its time.
   */
  observeItem(seconds: number): void {
    const itemsIn = this.itemsIn + this.chainItemsIn();
    this.untimed += itemsIn - this.itemsObserved - 1;
    this.itemsObserved = itemsIn;
    this.observe(1, seconds);
  }

  /** The last timed call's time and bucket (settle() gives them to the untimed calls after it). */
  private lastSeconds = 0;
  private lastBucket = 0;

  /** At the end of the stream: the untimed calls after the last timed one count as taking as long as it. */
  settle(): void {
    if (this.callsAreItems) {
      const itemsIn = this.itemsIn + this.chainItemsIn();
      this.untimed += itemsIn - this.itemsObserved;
      this.itemsObserved = itemsIn;
    }
    if (this.untimed === 0) return;
    this.busySeconds += this.lastSeconds * this.untimed;
    (this.latencyBuckets[this.lastBucket] as number) += this.untimed;
    this.untimed = 0;
  }

  /** The p-quantile of the last 1024 calls' time per item, in seconds. */
  latencyQuantile(p: number): number {
    const n = Math.min(this.recentCount, LATENCY_WINDOW);
    if (n === 0) return 0;
    const sorted = Array.from(this.recent.subarray(0, n)).sort((a, b) => a - b);
    return sorted[Math.min(n - 1, Math.floor(p * n))] as number;
  }
}

export interface QueueGauge {
  readonly from: string;
  readonly to: string;
  readonly queue: BoundedQueue<unknown>;
}

export interface UnitMetricsSnapshot {
  node: string;
  unit: string;
  itemsIn: number;
  itemsOut: number;
  errors: number;
  skipped: number;
  batches: number;
  busySeconds: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
}

export interface QueueSnapshot {
  from: string;
  to: string;
  depth: number;
  maxDepth: number;
  capacity: number;
}

export class FlowMetrics {
  readonly units = new Map<string, UnitMetrics>();
  readonly queues: QueueGauge[] = [];
  /** Where the metrics are shown: the one given, or a registry of this flow's own. */
  readonly registry: Registry;

  constructor(
    readonly flow: string,
    registry?: Registry,
  ) {
    this.registry = registry ?? new Registry();
    registerFlowMetrics(this.registry, {
      flow,
      units: () => this.unitFigures(),
      queues: () => this.queueFigures(),
    });
  }

  private unitFigures(): FlowUnitFigures[] {
    return [...this.units.values()].map((m) => ({ node: m.node, unit: m.unit, ...m.counts(), errors: m.errors, busySeconds: m.busySeconds, latencyBuckets: Array.from(m.latencyBuckets), calls: m.batches }));
  }

  private queueFigures(): FlowQueueFigures[] {
    return this.queues.map((q) => ({ from: q.from, to: q.to, depth: q.queue.size, capacity: q.queue.capacity }));
  }

  unit(node: string, unit: string): UnitMetrics {
    let m = this.units.get(node);
    if (!m) this.units.set(node, (m = new UnitMetrics(node, unit)));
    return m;
  }

  snapshot(): { units: UnitMetricsSnapshot[]; queues: QueueSnapshot[] } {
    return {
      units: [...this.units.values()].map((m) => {
        const { itemsIn, itemsOut, skipped } = m.counts();
        return {
          node: m.node,
          unit: m.unit,
          itemsIn,
          itemsOut,
          errors: m.errors,
          skipped,
          batches: m.batches,
          busySeconds: m.busySeconds,
          latencyP50Ms: m.latencyQuantile(0.5) * 1000,
          latencyP99Ms: m.latencyQuantile(0.99) * 1000,
        };
      }),
      queues: this.queues.map((q) => ({ from: q.from, to: q.to, depth: q.queue.size, maxDepth: q.queue.maxDepth, capacity: q.queue.capacity })),
    };
  }

  /** The Prometheus text of the registry the flow is shown in. */
  text(): Promise<string> {
    return this.registry.metrics();
  }
}
