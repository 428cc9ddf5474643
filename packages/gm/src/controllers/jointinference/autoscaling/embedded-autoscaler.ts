/**
 * Embedded mode's HorizontalPodAutoscaler for joint inference workers: no kube-controller-manager runs there, so the
 * GM scales a worker with `hpa` itself, from the same metrics a cluster's HPA would use, read from the workers'
 * own /metrics (./worker-scrape.ts) every sync period (default 15 s, as the HPA controller's). Per metric and pod it
 * takes the value (a counter's rate between two readings); per metric, over the pods that gave a value,
 * desired = ceil(pods x average / target) unless within the tolerance, pods without a value yet counted as the
 * replica calculator does (desiredForPods); the largest over the metrics wins; then the
 * HPA's stabilization, policies and [minReplicas, maxReplicas] (./hpa-algorithm.ts). A change is recorded as the
 * HPA does (a `SuccessfulRescale` event); a metric it cannot use as a Warning (`FailedComputeMetricsReplicas`).
 * The state (recommendations, last readings) lives in memory, as the HPA controller's; the replica count lives in
 * the pods: a GM that restarts takes the running pods' count as the current one.
 */
import { quantityValue, type KubeObject } from '@sedna/api';
import { sumOf, type Exposition } from '@sedna/metrics';
import type { ObjectClient } from '../../../runtime/client.js';
import type { ObjectOf } from '../../../runtime/kinds.js';
import { recordEvent } from '../../../runtime/events.js';
import { behaviorFrom, desiredForPods, HpaState } from './hpa-algorithm.js';
import type { HpaSpec } from './hpa-object.js';
import { describeMetric, readMetricSpecs, sourceMetric, type ScalingMetric } from './metric-specs.js';
import type { ScrapePod } from './worker-scrape.js';

export const DEFAULT_SYNC_PERIOD_MS = 15_000;

interface Reading {
  at: number;
  value: number;
}

interface Target {
  uid: string;
  hpa: HpaState;
  replicas: number;
  lastSync: number;
  /** `<pod uid>/<metric>` -> the previous reading of a cumulative metric (for its rate). */
  readings: Map<string, Reading>;
  lastProblem: string | undefined;
}

export interface ScaleDecision {
  replicas: number;
  /** When the next sync is due: the controller requeues the service then. */
  nextSyncInMs: number;
}

/** Whether a sample of `name` is cumulative: a counter, or a histogram's or summary's `_count` / `_sum`. */
function cumulative(exposition: Exposition, name: string): boolean {
  if (exposition.types.get(name) === 'counter' || name.endsWith('_total')) return true;
  const family = name.replace(/_(count|sum)$/, '');
  const type = exposition.types.get(family);
  return family !== name && (type === 'histogram' || type === 'summary');
}

/** The sum of a resource's requests over the pod's containers (cores for cpu, bytes for memory); 0 when unset. */
function requested(pod: ObjectOf<'Pod'>, resource: 'cpu' | 'memory'): number {
  const containers = pod.spec.containers;
  return containers.reduce((sum, c) => sum + quantityValue(c.resources?.requests?.[resource]), 0);
}

export class EmbeddedAutoscaler {
  private readonly targets = new Map<string, Target>();

  constructor(
    private readonly scrape: ScrapePod,
    private readonly client: ObjectClient,
    private readonly syncPeriodMs = DEFAULT_SYNC_PERIOD_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * The replicas a worker type of `owner` should run now. `running` are its Running pods (their metrics are read);
   * `existing` how many active pods it has (the starting point after a GM restart).
   */
  async replicas(owner: KubeObject, workerType: 'cloud' | 'edge', hpa: HpaSpec, running: readonly ObjectOf<'Pod'>[], existing: number): Promise<ScaleDecision> {
    const key = `${owner.metadata.namespace}/${owner.metadata.name}/${workerType}`;
    const min = hpa.minReplicas ?? 1;
    const max = Math.max(min, hpa.maxReplicas);
    const clamp = (n: number) => Math.min(max, Math.max(min, n));
    let target = this.targets.get(key);
    if (!target || target.uid !== owner.metadata.uid) {
      target = { uid: owner.metadata.uid ?? '', hpa: new HpaState(), replicas: clamp(existing || min), lastSync: this.now(), readings: new Map(), lastProblem: undefined };
      this.targets.set(key, target);
      // The first readings only start the rates: the first decision comes one period later.
      await this.read(target, ...this.specs(hpa), running);
      return { replicas: target.replicas, nextSyncInMs: this.syncPeriodMs };
    }
    target.replicas = clamp(target.replicas); // the limits may have changed with the spec
    const since = this.now() - target.lastSync;
    if (since < this.syncPeriodMs) return { replicas: target.replicas, nextSyncInMs: this.syncPeriodMs - since };
    target.lastSync = this.now();
    const [metrics, problems] = this.specs(hpa);
    const values = await this.read(target, metrics, problems, running);
    await this.reportProblems(owner, target, problems);
    const wanted = metrics.map((m, i) => {
      const perPod = values[i]!;
      const targetValue = m.type === 'Resource' && m.targetUtilization !== undefined ? m.targetUtilization : (m as { targetAverage: number }).targetAverage;
      const desired = desiredForPods(target!.replicas, perPod, running.length - perPod.length, targetValue);
      if (desired === undefined) return undefined;
      return { metric: m, average: perPod.reduce((a, b) => a + b, 0) / perPod.length, desired };
    });
    const usable = wanted.filter((w): w is NonNullable<typeof w> => w !== undefined);
    if (usable.length === 0) return { replicas: target.replicas, nextSyncInMs: this.syncPeriodMs };
    const top = usable.reduce((a, b) => (b.desired > a.desired ? b : a));
    const next = target.hpa.next(target.replicas, top.desired, { minReplicas: min, maxReplicas: max }, behaviorFrom(hpa.behavior), this.now());
    if (next !== target.replicas) {
      const direction = next > target.replicas ? 'above' : 'below';
      await recordEvent(this.client, owner, 'Normal', 'SuccessfulRescale', `New size: ${next}; reason: the ${workerType} worker's ${describeMetric(top.metric)} ${direction} target (average ${round(top.average)})`).catch(() => undefined);
      target.replicas = next;
    }
    return { replicas: target.replicas, nextSyncInMs: this.syncPeriodMs };
  }

  /** Drops the state of a service that is gone. */
  forget(namespace: string, name: string): void {
    for (const type of ['cloud', 'edge']) this.targets.delete(`${namespace}/${name}/${type}`);
  }

  private specs(hpa: HpaSpec): [ScalingMetric[], string[]] {
    const read = readMetricSpecs(hpa.metrics);
    return [read.metrics, read.problems];
  }

  /** Per metric, the values of the pods that gave one (a rate needs the pod's previous reading). */
  private async read(target: Target, metrics: readonly ScalingMetric[], problems: string[], running: readonly ObjectOf<'Pod'>[]): Promise<number[][]> {
    const at = this.now();
    const scraped = await Promise.all(running.map(async (pod) => ({ pod, exposition: await this.scrape(pod).catch(() => undefined) })));
    const seen = new Set<string>();
    const values = metrics.map((metric) => {
      const out: number[] = [];
      const name = sourceMetric(metric);
      for (const { pod, exposition } of scraped) {
        if (!exposition) continue;
        const raw = sumOf(exposition, name);
        if (raw === undefined) continue;
        let value = raw;
        if (cumulative(exposition, name)) {
          const key = `${pod.metadata.uid}/${name}`;
          seen.add(key);
          const previous = target.readings.get(key);
          target.readings.set(key, { at, value: raw });
          if (!previous || at <= previous.at || raw < previous.value) continue; // no rate yet, or the worker restarted
          value = (raw - previous.value) / ((at - previous.at) / 1000);
        }
        if (metric.type === 'Resource' && metric.targetUtilization !== undefined) {
          const request = requested(pod, metric.resource);
          if (!(request > 0)) {
            problems.push(`the ${metric.resource} utilization target needs resources.requests.${metric.resource} on the worker's containers`);
            continue;
          }
          value = (value / request) * 100;
        }
        out.push(value);
      }
      return out;
    });
    for (const key of target.readings.keys()) if (!seen.has(key)) target.readings.delete(key); // pods that are gone
    return values;
  }

  private async reportProblems(owner: KubeObject, target: Target, problems: readonly string[]): Promise<void> {
    const text = [...new Set(problems)].join('; ');
    if (text === (target.lastProblem ?? '')) return;
    target.lastProblem = text;
    if (text) await recordEvent(this.client, owner, 'Warning', 'FailedComputeMetricsReplicas', `cannot use the autoscaler's metrics: ${text}`).catch(() => undefined);
  }
}

function round(v: number): string {
  return Math.abs(v) >= 100 ? v.toFixed(0) : v.toPrecision(3);
}
