/**
 * One prom-client Registry per component process. Each also carries prom-client's default process and Node.js
 * metrics (`process_cpu_seconds_total`, `process_resident_memory_bytes`, `nodejs_eventloop_lag_seconds`...), the
 * names every Prometheus user knows, so they keep their standard names rather than a `sedna_` prefix.
 */
import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';

/** The components that serve /metrics; the `component` label of `sedna_build_info`. */
export type Component = 'apiserver' | 'gm' | 'lc' | 'worker';

export const SEDNA_VERSION = '0.1.0';

export function componentRegistry(component: Component): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const info = new Gauge({ name: 'sedna_build_info', help: 'A constant 1 labelled with the component and the version of Sedna it runs', labelNames: ['component', 'version'], registers: [registry] });
  info.set({ component, version: SEDNA_VERSION }, 1);
  return registry;
}
