/**
 * The metrics an `hpa` names (autoscaling/v2 MetricSpec), read for the embedded control plane's own autoscaler. It
 * reads the workers' own /metrics, so it understands:
 * - `type: Pods` with `target.averageValue`: a metric a worker serves (e.g. the cloud worker's
 *   `sedna_joint_inference_cloud_requests_total`), summed over its series; a counter (or a histogram's `_count`,
 *   `_sum`) is taken as its rate per second between two readings, as `rate()` would;
 * - `type: Resource` `cpu` or `memory`, with `target.averageValue` (cores, bytes) or `target.averageUtilization`
 *   (percent of the containers' `resources.requests`), from the worker's `process_cpu_seconds_total` and
 *   `process_resident_memory_bytes`.
 * Object, External and ContainerResource metrics need a cluster's metrics APIs: they are refused with a reason.
 * Without `metrics`, as Kubernetes: CPU at 80 % of the requests.
 */
import { quantityValue } from '@sedna/api';

export type ScalingMetric =
  | { type: 'Pods'; metric: string; targetAverage: number }
  | { type: 'Resource'; resource: 'cpu' | 'memory'; targetAverage?: number; targetUtilization?: number };

/** The worker metric a scaling metric is read from. */
export function sourceMetric(m: ScalingMetric): string {
  if (m.type === 'Pods') return m.metric;
  return m.resource === 'cpu' ? 'process_cpu_seconds_total' : 'process_resident_memory_bytes';
}

/** For events: what a metric is. */
export function describeMetric(m: ScalingMetric): string {
  return m.type === 'Pods' ? `pods metric ${m.metric}` : `${m.resource} resource${m.targetUtilization !== undefined ? ' utilization (percentage of request)' : ''}`;
}

export const DEFAULT_METRICS: ScalingMetric[] = [{ type: 'Resource', resource: 'cpu', targetUtilization: 80 }];

export interface ReadMetrics {
  metrics: ScalingMetric[];
  /** Why a metric cannot be used (one line each, naming the field). */
  problems: string[];
}

export function readMetricSpecs(specs: readonly Record<string, unknown>[] | undefined): ReadMetrics {
  if (specs === undefined || specs.length === 0) return { metrics: DEFAULT_METRICS, problems: [] };
  const metrics: ScalingMetric[] = [];
  const problems: string[] = [];
  specs.forEach((spec, i) => {
    const field = `hpa.metrics[${i}]`;
    const type = spec['type'];
    if (type === 'Pods') {
      const pods = (spec['pods'] ?? {}) as { metric?: { name?: unknown }; target?: { type?: unknown; averageValue?: unknown } };
      const name = pods.metric?.name;
      const target = quantityValue(pods.target?.averageValue as string | number | undefined);
      if (typeof name !== 'string' || name === '') problems.push(`${field}.pods.metric.name: a metric name is needed`);
      else if (pods.target?.type !== 'AverageValue' || !(target > 0)) problems.push(`${field}.pods.target: Pods metrics take type AverageValue with a positive averageValue`);
      else metrics.push({ type: 'Pods', metric: name, targetAverage: target });
      return;
    }
    if (type === 'Resource') {
      const resource = (spec['resource'] ?? {}) as { name?: unknown; target?: { type?: unknown; averageValue?: unknown; averageUtilization?: unknown } };
      const name = resource.name;
      if (name !== 'cpu' && name !== 'memory') {
        problems.push(`${field}.resource.name: cpu or memory, got ${JSON.stringify(name)}`);
        return;
      }
      const t = resource.target ?? {};
      if (t.type === 'Utilization' && typeof t.averageUtilization === 'number' && t.averageUtilization > 0) metrics.push({ type: 'Resource', resource: name, targetUtilization: t.averageUtilization });
      else if (t.type === 'AverageValue' && quantityValue(t.averageValue as string | number | undefined) > 0) metrics.push({ type: 'Resource', resource: name, targetAverage: quantityValue(t.averageValue as string | number) });
      else problems.push(`${field}.resource.target: type Utilization with a positive averageUtilization, or AverageValue with a positive averageValue`);
      return;
    }
    problems.push(`${field}.type: ${JSON.stringify(type)} is not available in embedded mode (Pods and Resource metrics are; Object and External need a cluster's metrics APIs)`);
  });
  return { metrics, problems };
}
