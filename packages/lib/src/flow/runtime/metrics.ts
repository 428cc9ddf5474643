/**
 * Per-unit metrics of a running flow: items in and out, failures, time per item, and the depth of each queue. Read
 * them as a snapshot (`FlowMetrics.snapshot()`) or in the Prometheus text format (`toPrometheus()`, names
 * `sedna_flow_*`, served by `sedna flow run --metrics-port`).
 */
import type { BoundedQueue } from './queue.js';

const LATENCY_WINDOW = 1024;

export class UnitMetrics {
  itemsIn = 0;
  itemsOut = 0;
  /** Items the unit threw on (reported and dropped). */
  errors = 0;
  /** Items that passed as skips (sent the other way by a condition, or dropped upstream). */
  skipped = 0;
  batches = 0;
  /** Seconds spent in the unit's code, summed. */
  busySeconds = 0;
  private readonly recent = new Float64Array(LATENCY_WINDOW);
  private recentCount = 0;

  constructor(
    readonly node: string,
    readonly unit: string,
  ) {}

  /** One call of the unit's code on `items` items that took `seconds`. */
  observe(items: number, seconds: number): void {
    this.batches++;
    this.busySeconds += seconds;
    const perItem = items > 0 ? seconds / items : seconds;
    this.recent[this.recentCount++ % LATENCY_WINDOW] = perItem;
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

  constructor(readonly flow: string) {}

  unit(node: string, unit: string): UnitMetrics {
    let m = this.units.get(node);
    if (!m) this.units.set(node, (m = new UnitMetrics(node, unit)));
    return m;
  }

  snapshot(): { units: UnitMetricsSnapshot[]; queues: QueueSnapshot[] } {
    return {
      units: [...this.units.values()].map((m) => ({
        node: m.node,
        unit: m.unit,
        itemsIn: m.itemsIn,
        itemsOut: m.itemsOut,
        errors: m.errors,
        skipped: m.skipped,
        batches: m.batches,
        busySeconds: m.busySeconds,
        latencyP50Ms: m.latencyQuantile(0.5) * 1000,
        latencyP99Ms: m.latencyQuantile(0.99) * 1000,
      })),
      queues: this.queues.map((q) => ({ from: q.from, to: q.to, depth: q.queue.size, maxDepth: q.queue.maxDepth, capacity: q.queue.capacity })),
    };
  }

  toPrometheus(): string {
    const lines: string[] = [];
    const label = (v: string): string => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
    const family = (name: string, type: string, help: string, samples: [string, number][]): void => {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
      for (const [labels, value] of samples) lines.push(`${name}{${labels}} ${Number.isFinite(value) ? value : 0}`);
    };
    const units = [...this.units.values()];
    const base = (m: UnitMetrics): string => `flow="${label(this.flow)}",node="${label(m.node)}",unit="${label(m.unit)}"`;
    family('sedna_flow_unit_items_in_total', 'counter', 'Items a unit of the flow received.', units.map((m) => [base(m), m.itemsIn]));
    family('sedna_flow_unit_items_out_total', 'counter', 'Items a unit of the flow produced.', units.map((m) => [base(m), m.itemsOut]));
    family('sedna_flow_unit_errors_total', 'counter', 'Items a unit failed on (reported and dropped).', units.map((m) => [base(m), m.errors]));
    family('sedna_flow_unit_skipped_total', 'counter', 'Items that passed a unit as skips (another branch, or dropped upstream).', units.map((m) => [base(m), m.skipped]));
    family('sedna_flow_unit_busy_seconds_total', 'counter', "Time spent in a unit's code.", units.map((m) => [base(m), m.busySeconds]));
    lines.push('# HELP sedna_flow_unit_latency_seconds Time per item in a unit, over its last 1024 calls.', '# TYPE sedna_flow_unit_latency_seconds summary');
    for (const m of units) {
      for (const q of [0.5, 0.9, 0.99]) lines.push(`sedna_flow_unit_latency_seconds{${base(m)},quantile="${q}"} ${m.latencyQuantile(q)}`);
      lines.push(`sedna_flow_unit_latency_seconds_sum{${base(m)}} ${m.busySeconds}`, `sedna_flow_unit_latency_seconds_count{${base(m)}} ${m.batches}`);
    }
    const queue = (q: QueueGauge): string => `flow="${label(this.flow)}",from="${label(q.from)}",to="${label(q.to)}"`;
    family('sedna_flow_queue_depth', 'gauge', 'Items waiting in the queue between two units.', this.queues.map((q) => [queue(q), q.queue.size]));
    family('sedna_flow_queue_capacity', 'gauge', 'Capacity of the queue between two units.', this.queues.map((q) => [queue(q), q.queue.capacity]));
    return lines.join('\n') + '\n';
  }
}
