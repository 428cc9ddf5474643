/**
 * The HorizontalPodAutoscaler's algorithm (Kubernetes' replica calculator and its behavior), as pure functions:
 * - per metric, desired = ceil(current * currentValue / targetValue), unless the ratio is within the tolerance
 *   (0.1) of 1, when the replicas stay; the largest desire over all metrics wins;
 * - stabilization: a scale down takes the largest recommendation of its window (default 300 s), a scale up the
 *   smallest of its window (default 0 s), so a flapping metric does not flap the replicas;
 * - policies limit the change per period (defaults: up by max(4 pods, 100 %) per 15 s; down by 100 % per 15 s);
 * - the result is clamped to [minReplicas (default 1), maxReplicas].
 * Used by the embedded control plane to scale joint inference workers itself from the workers' metrics; on a
 * cluster the GM creates real HorizontalPodAutoscalers instead (hpa-object.ts).
 */

export const DEFAULT_TOLERANCE = 0.1;

export interface MetricSample {
  /** The metric's current value (an average per pod for Pods metrics, a utilization for Resource ones). */
  current: number;
  target: number;
}

/** The replica count one metric asks for. */
export function desiredForMetric(currentReplicas: number, sample: MetricSample, tolerance = DEFAULT_TOLERANCE): number {
  if (!(sample.target > 0) || !Number.isFinite(sample.current)) return currentReplicas;
  const ratio = sample.current / sample.target;
  if (Math.abs(ratio - 1) <= tolerance) return currentReplicas;
  return Math.max(1, Math.ceil(currentReplicas * ratio));
}

/**
 * The replica count a per-pod metric asks for, with the replica calculator's rule for pods that gave no value yet
 * (just started, or their scrape failed): assumed at the target when the others ask to scale down, at zero when
 * they ask to scale up, so a missing reading never pushes the scale further; if that flips the direction or lands
 * within the tolerance, the replicas stay. `undefined` when no pod gave a value.
 */
export function desiredForPods(currentReplicas: number, values: readonly number[], missing: number, target: number, tolerance = DEFAULT_TOLERANCE): number | undefined {
  if (values.length === 0 || !(target > 0)) return undefined;
  const sum = values.reduce((a, b) => a + b, 0);
  const ratio = sum / values.length / target;
  if (missing === 0) return Math.abs(ratio - 1) <= tolerance ? currentReplicas : Math.max(1, Math.ceil(ratio * values.length));
  if (Math.abs(ratio - 1) <= tolerance) return currentReplicas;
  const filled = (sum + (ratio < 1 ? missing * target : 0)) / (values.length + missing) / target;
  if (Math.abs(filled - 1) <= tolerance || (ratio < 1) !== (filled < 1)) return currentReplicas;
  return Math.max(1, Math.ceil(filled * (values.length + missing)));
}

/** The largest desire over the metrics; the current count when there is no usable metric. */
export function desiredReplicas(currentReplicas: number, samples: readonly MetricSample[], tolerance = DEFAULT_TOLERANCE): number {
  const usable = samples.filter((s) => s.target > 0 && Number.isFinite(s.current));
  if (usable.length === 0) return currentReplicas;
  return Math.max(...usable.map((s) => desiredForMetric(currentReplicas, s, tolerance)));
}

export interface ScalingPolicy {
  type: 'Pods' | 'Percent';
  value: number;
  periodSeconds: number;
}

export interface ScalingRules {
  stabilizationWindowSeconds: number;
  /** Max: the most permissive policy applies (Kubernetes' default); Min: the most restrictive; Disabled: no change. */
  selectPolicy: 'Max' | 'Min' | 'Disabled';
  policies: ScalingPolicy[];
}

export interface Behavior {
  scaleUp: ScalingRules;
  scaleDown: ScalingRules;
}

export const DEFAULT_BEHAVIOR: Behavior = {
  scaleUp: { stabilizationWindowSeconds: 0, selectPolicy: 'Max', policies: [{ type: 'Pods', value: 4, periodSeconds: 15 }, { type: 'Percent', value: 100, periodSeconds: 15 }] },
  scaleDown: { stabilizationWindowSeconds: 300, selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] },
};

/** The HPA spec's `behavior` (autoscaling/v2) over the defaults. */
export function behaviorFrom(spec: unknown): Behavior {
  const read = (given: unknown, fallback: ScalingRules): ScalingRules => {
    const g = (given ?? {}) as Partial<ScalingRules>;
    return {
      stabilizationWindowSeconds: typeof g.stabilizationWindowSeconds === 'number' ? g.stabilizationWindowSeconds : fallback.stabilizationWindowSeconds,
      selectPolicy: g.selectPolicy === 'Min' || g.selectPolicy === 'Disabled' ? g.selectPolicy : 'Max',
      policies: Array.isArray(g.policies) && g.policies.length > 0 ? g.policies : fallback.policies,
    };
  };
  const b = (spec ?? {}) as { scaleUp?: unknown; scaleDown?: unknown };
  return { scaleUp: read(b.scaleUp, DEFAULT_BEHAVIOR.scaleUp), scaleDown: read(b.scaleDown, DEFAULT_BEHAVIOR.scaleDown) };
}

interface Recommendation {
  at: number;
  replicas: number;
}

interface ScaleEvent {
  at: number;
  change: number;
}

/** One scaled target's memory: recent recommendations (stabilization) and scale events (policies). */
export class HpaState {
  private recommendations: Recommendation[] = [];
  private events: ScaleEvent[] = [];

  /**
   * The replicas to run now, given the raw desire: stabilized, limited by the policies, clamped. `nowMs` is the
   * caller's clock (tests pass their own).
   */
  next(currentReplicas: number, desired: number, limits: { minReplicas: number; maxReplicas: number }, behavior: Behavior, nowMs: number): number {
    const longest = Math.max(behavior.scaleUp.stabilizationWindowSeconds, behavior.scaleDown.stabilizationWindowSeconds) * 1000;
    this.recommendations = this.recommendations.filter((r) => nowMs - r.at <= longest);
    this.recommendations.push({ at: nowMs, replicas: desired });
    const within = (seconds: number) => this.recommendations.filter((r) => nowMs - r.at <= seconds * 1000).map((r) => r.replicas);
    // Scale up only as far as every recommendation of the up window agrees; down only as far as all of the down window.
    const upCap = Math.min(...within(behavior.scaleUp.stabilizationWindowSeconds));
    const downFloor = Math.max(...within(behavior.scaleDown.stabilizationWindowSeconds));
    let stabilized = currentReplicas;
    if (desired > currentReplicas) stabilized = Math.max(currentReplicas, upCap);
    else if (desired < currentReplicas) stabilized = Math.min(currentReplicas, downFloor);
    const limited = this.limit(currentReplicas, stabilized, behavior, nowMs);
    const result = Math.min(limits.maxReplicas, Math.max(limits.minReplicas, limited));
    if (result !== currentReplicas) this.events.push({ at: nowMs, change: result - currentReplicas });
    const longestPeriod = Math.max(...[...behavior.scaleUp.policies, ...behavior.scaleDown.policies].map((p) => p.periodSeconds)) * 1000;
    this.events = this.events.filter((e) => nowMs - e.at <= longestPeriod);
    return result;
  }

  private limit(current: number, wanted: number, behavior: Behavior, nowMs: number): number {
    if (wanted === current) return current;
    const up = wanted > current;
    const rules = up ? behavior.scaleUp : behavior.scaleDown;
    if (rules.selectPolicy === 'Disabled') return current;
    const allowed = rules.policies.map((p) => {
      // Changes already made in the policy's period count against it (the replicas the period started with).
      const changed = this.events.filter((e) => nowMs - e.at <= p.periodSeconds * 1000 && (up ? e.change > 0 : e.change < 0)).reduce((sum, e) => sum + e.change, 0);
      const base = current - changed;
      if (up) return p.type === 'Pods' ? base + p.value : Math.ceil(base * (1 + p.value / 100));
      return p.type === 'Pods' ? base - p.value : Math.floor(base * (1 - p.value / 100));
    });
    const bound = up ? (rules.selectPolicy === 'Min' ? Math.min(...allowed) : Math.max(...allowed)) : rules.selectPolicy === 'Min' ? Math.max(...allowed) : Math.min(...allowed);
    return up ? Math.min(wanted, Math.max(current, bound)) : Math.max(wanted, Math.min(current, bound));
  }
}
