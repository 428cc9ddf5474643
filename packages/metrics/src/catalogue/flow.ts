/**
 * The flow runtime's per-unit metrics (`@sedna/lib/flow`: graphs of functional units run as a worker): items in and
 * out, failures, skips, busy time and the time per call of each unit, and the depth of each queue between units.
 *
 * The scheduler counts in plain numbers on its hot path (a prom-client `inc` or `observe` costs a label hash, about
 * a microsecond, per call: several per item on a high-frequency stream); these metrics read those numbers when
 * scraped. Labels: `flow` (the graph's name), `node` and `unit`, or `from` and `to` for a queue: the graph's own
 * names, never an item.
 */
import { Counter, Gauge, type Metric, type Registry } from 'prom-client';

/** Time per unit call, from 50 µs (a resize) to 10 s (a slow cloud call). */
export const FLOW_LATENCY_BUCKETS: readonly number[] = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10];

export interface FlowUnitFigures {
  node: string;
  unit: string;
  itemsIn: number;
  itemsOut: number;
  errors: number;
  skipped: number;
  busySeconds: number;
  /** Calls per FLOW_LATENCY_BUCKETS bucket (not cumulative), and one more for the calls above the last bound. */
  latencyBuckets: readonly number[];
  calls: number;
}

export interface FlowQueueFigures {
  from: string;
  to: string;
  depth: number;
  capacity: number;
}

/** What a running flow shows. */
export interface FlowMetricsSource {
  readonly flow: string;
  units(): readonly FlowUnitFigures[];
  queues(): readonly FlowQueueFigures[];
}

type UnitLabels = 'flow' | 'node' | 'unit';

interface FlowFamilies {
  sources: Set<FlowMetricsSource>;
}

const FAMILIES = new WeakMap<Registry, FlowFamilies>();

function unitCounter(registry: Registry, sources: Set<FlowMetricsSource>, name: string, help: string, value: (u: FlowUnitFigures) => number): void {
  new Counter<UnitLabels>({
    name,
    help,
    labelNames: ['flow', 'node', 'unit'],
    registers: [registry],
    collect() {
      this.reset();
      for (const s of sources) for (const u of s.units()) this.inc({ flow: s.flow, node: u.node, unit: u.unit }, value(u));
    },
  });
}

function queueGauge(registry: Registry, sources: Set<FlowMetricsSource>, name: string, help: string, value: (q: FlowQueueFigures) => number): void {
  new Gauge<'flow' | 'from' | 'to'>({
    name,
    help,
    labelNames: ['flow', 'from', 'to'],
    registers: [registry],
    collect() {
      this.reset();
      for (const s of sources) for (const q of s.queues()) this.set({ flow: s.flow, from: q.from, to: q.to }, value(q));
    },
  });
}

/**
 * The time per call as a Prometheus histogram read from the units' own bucket counts: prom-client's registry
 * renders it (text and OpenMetrics) like any other metric.
 */
function latencyHistogram(registry: Registry, sources: Set<FlowMetricsSource>): void {
  const name = 'sedna_flow_unit_latency_seconds';
  const help = 'Time of one call of a unit of the flow (a batch of batch_size items or fewer)';
  const get = async () => {
    const values: { value: number; labels: Record<string, string | number>; metricName: string }[] = [];
    for (const s of sources) {
      for (const u of s.units()) {
        const labels = { flow: s.flow, node: u.node, unit: u.unit };
        let cumulative = 0;
        FLOW_LATENCY_BUCKETS.forEach((le, k) => {
          cumulative += u.latencyBuckets[k] ?? 0;
          values.push({ value: cumulative, labels: { ...labels, le }, metricName: `${name}_bucket` });
        });
        values.push({ value: u.calls, labels: { ...labels, le: '+Inf' }, metricName: `${name}_bucket` });
        values.push({ value: u.busySeconds, labels, metricName: `${name}_sum` });
        values.push({ value: u.calls, labels, metricName: `${name}_count` });
      }
    }
    return { name, help, type: 'histogram', aggregator: 'sum', values };
  };
  registry.registerMetric({ name, help, type: 'histogram', aggregator: 'sum', labelNames: ['flow', 'node', 'unit'], get, reset: () => undefined } as unknown as Metric);
}

function families(registry: Registry): FlowFamilies {
  let f = FAMILIES.get(registry);
  if (f) return f;
  const sources = new Set<FlowMetricsSource>();
  f = { sources };
  FAMILIES.set(registry, f);
  unitCounter(registry, sources, 'sedna_flow_unit_items_in_total', 'Items a unit of the flow received', (u) => u.itemsIn);
  unitCounter(registry, sources, 'sedna_flow_unit_items_out_total', 'Items a unit of the flow produced', (u) => u.itemsOut);
  unitCounter(registry, sources, 'sedna_flow_unit_errors_total', 'Items a unit failed on (reported as an event and dropped)', (u) => u.errors);
  unitCounter(registry, sources, 'sedna_flow_unit_skipped_total', 'Items that passed a unit as skips (another branch of a condition, or dropped upstream)', (u) => u.skipped);
  unitCounter(registry, sources, 'sedna_flow_unit_busy_seconds_total', "Time spent in a unit's code", (u) => u.busySeconds);
  latencyHistogram(registry, sources);
  queueGauge(registry, sources, 'sedna_flow_queue_depth', 'Items waiting in the queue between two units', (q) => q.depth);
  queueGauge(registry, sources, 'sedna_flow_queue_capacity', 'Capacity of the queue between two units (the consumer\'s queue_size)', (q) => q.capacity);
  return f;
}

/**
 * Shows a flow's figures in `registry` (the families are made once per registry; several flows of one process
 * share them, told apart by their `flow` label). The flow stays shown after it ends, so its last values are
 * scraped too; the returned function takes it out.
 */
export function registerFlowMetrics(registry: Registry, source: FlowMetricsSource): () => void {
  const { sources } = families(registry);
  sources.add(source);
  return () => void sources.delete(source);
}
