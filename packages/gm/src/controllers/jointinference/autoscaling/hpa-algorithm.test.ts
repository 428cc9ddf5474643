import { describe, expect, it } from 'vitest';
import { behaviorFrom, DEFAULT_BEHAVIOR, desiredForMetric, desiredForPods, desiredReplicas, HpaState } from './hpa-algorithm.js';

describe('the HPA replica calculation', () => {
  it('scales by the ratio of current to target, not within the tolerance, the largest over metrics', () => {
    expect(desiredForMetric(2, { current: 200, target: 100 })).toBe(4);
    expect(desiredForMetric(3, { current: 50, target: 100 })).toBe(2);
    expect(desiredForMetric(4, { current: 108, target: 100 })).toBe(4); // within 10 %
    expect(desiredForMetric(1, { current: 0, target: 100 })).toBe(1);
    expect(desiredReplicas(2, [{ current: 150, target: 100 }, { current: 400, target: 100 }])).toBe(8);
    expect(desiredReplicas(2, [])).toBe(2);
    expect(desiredReplicas(2, [{ current: Number.NaN, target: 100 }])).toBe(2);
  });

  it('scales up at once (within the policies), down only after the stabilization window', () => {
    const hpa = new HpaState();
    const limits = { minReplicas: 1, maxReplicas: 10 };
    let t = 0;
    expect(hpa.next(1, 20, limits, DEFAULT_BEHAVIOR, t)).toBe(5); // up by max(4 pods, 100 %) per 15 s: 1 + 4
    t += 5_000;
    expect(hpa.next(5, 20, limits, DEFAULT_BEHAVIOR, t)).toBe(5); // the 15 s period has used its 4 pods
    t += 15_000;
    expect(hpa.next(5, 20, limits, DEFAULT_BEHAVIOR, t)).toBe(10); // 100 % of 5, clamped to maxReplicas
    t += 15_000;
    expect(hpa.next(10, 2, limits, DEFAULT_BEHAVIOR, t)).toBe(10); // the higher recommendations of the last 300 s hold
    t += 301_000;
    expect(hpa.next(10, 2, limits, DEFAULT_BEHAVIOR, t)).toBe(2);
    t += 1_000;
    expect(hpa.next(2, 0, { minReplicas: 1, maxReplicas: 10 }, DEFAULT_BEHAVIOR, t)).toBe(2); // 2 was recommended within the window
  });

  it('reads behavior from the spec over the defaults', () => {
    const b = behaviorFrom({ scaleDown: { stabilizationWindowSeconds: 0, policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }] } });
    expect(b.scaleUp).toEqual(DEFAULT_BEHAVIOR.scaleUp);
    const hpa = new HpaState();
    expect(hpa.next(5, 1, { minReplicas: 1, maxReplicas: 10 }, b, 0)).toBe(4); // one pod per minute
    expect(hpa.next(4, 1, { minReplicas: 1, maxReplicas: 10 }, b, 30_000)).toBe(4);
    expect(hpa.next(4, 1, { minReplicas: 1, maxReplicas: 10 }, b, 61_000)).toBe(3);
    expect(behaviorFrom({ scaleUp: { selectPolicy: 'Disabled' } }).scaleUp.selectPolicy).toBe('Disabled');
  });

  it('counts pods without a value as the replica calculator does', () => {
    expect(desiredForPods(2, [30, 30], 0, 10)).toBe(6);
    expect(desiredForPods(2, [], 2, 10)).toBeUndefined();
    // Scaling up: the missing pod counts as 0 (30 + 30 + 0 over 3 pods: 2 x the target).
    expect(desiredForPods(3, [30, 30], 1, 10)).toBe(6);
    // Scaling down: the missing pods count as at the target (2 + 10 + 10 over 3: 0.73).
    expect(desiredForPods(3, [2], 2, 10)).toBe(3);
    expect(desiredForPods(4, [2], 3, 10)).toBe(4);
    // Up, but filling in zeros lands within the tolerance or flips the direction: stays.
    expect(desiredForPods(2, [11.5], 1, 10)).toBe(2);
    expect(desiredForPods(2, [10.5], 0, 10)).toBe(2);
  });
});
