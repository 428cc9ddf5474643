/**
 * One prom-client Registry per component process. Each also carries prom-client's default process and Node.js
 * metrics (`process_cpu_seconds_total`, `process_resident_memory_bytes`, `nodejs_eventloop_lag_seconds`...), the
 * names every Prometheus user knows, so they keep their standard names rather than a `sedna_` prefix.
 */
import { collectDefaultMetrics, Gauge, Registry, type Metric } from 'prom-client';

/** The components that serve /metrics; the `component` label of `sedna_build_info`. */
export type Component = 'apiserver' | 'gm' | 'lc' | 'worker';

export const SEDNA_VERSION = '0.1.0';

/**
 * prom-client's gauges of active handles, requests and resources end in `_total`, which Prometheus reserves for
 * counters (`promtool check metrics` flags them); they are left out.
 */
const MISNAMED_DEFAULTS = new Set(['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']);

export function componentRegistry(component: Component): Registry {
  const registry = new Registry();
  const defaults = new Registry();
  collectDefaultMetrics({ register: defaults });
  for (const metric of defaults.getMetricsAsArray()) {
    if (!MISNAMED_DEFAULTS.has(metric.name)) registry.registerMetric(metric as unknown as Metric);
  }
  const info = new Gauge({ name: 'sedna_build_info', help: 'A constant 1 labelled with the component and the version of Sedna it runs', labelNames: ['component', 'version'], registers: [registry] });
  info.set({ component, version: SEDNA_VERSION }, 1);
  return registry;
}

/**
 * Whether the hot paths measure (request counts and latencies, reconcile durations): true unless SEDNA_METRICS=off.
 * /metrics is served either way. The switch exists to measure what the measuring costs (bench/controlplane).
 */
export function measuring(env: NodeJS.ProcessEnv = process.env): boolean {
  return env['SEDNA_METRICS'] !== 'off';
}
