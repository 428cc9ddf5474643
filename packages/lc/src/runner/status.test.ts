import { describe, expect, it } from 'vitest';
import { buildPodStatus, goDuration, podPhase } from './status.js';
import type { PersistedPodState } from './pod-state.js';
import type { RunnablePod } from './pod-ref.js';
import { terminationFromStatus } from './lifecycle.js';
import { backoffStep, configRetryStep, shouldRestart } from './restart-policy.js';

const pod: RunnablePod = { metadata: { name: 'p', namespace: 'ns', uid: 'u' }, spec: { containers: [{ name: 'c', command: ['x'] }] } };
const base: PersistedPodState = { version: 1, startTime: '2024-01-01T00:00:00Z', restartCount: 0, nextBackoffMs: 1000, lifecycle: { kind: 'creating' } };
const addresses = { hostIP: 'h', podIP: 'p' };

describe('pod status', () => {
  it('derives the phase from the container lifecycle', () => {
    expect(podPhase(pod, base)).toBe('Pending');
    expect(podPhase(pod, { ...base, restartCount: 1 })).toBe('Running');
    const failed = terminationFromStatus(2, undefined, '2024-01-01T00:00:01Z');
    expect(podPhase(pod, { ...base, lifecycle: { kind: 'backoff', delayMs: 1000, termination: failed } })).toBe('Running');
    expect(podPhase(pod, { ...base, lifecycle: { kind: 'finished', termination: failed } })).toBe('Failed');
    expect(podPhase(pod, { ...base, lifecycle: { kind: 'finished', termination: terminationFromStatus(0, undefined, 'x') } })).toBe('Succeeded');
  });
  it('shows CrashLoopBackOff with the previous run as lastState', () => {
    const termination = terminationFromStatus(137, '2024-01-01T00:00:00Z', '2024-01-01T00:00:05Z');
    expect(termination).toMatchObject({ exitCode: 137, signal: 9, reason: 'Error' });
    const status = buildPodStatus(pod, { ...base, restartCount: 3, lifecycle: { kind: 'backoff', delayMs: 80_000, termination } }, addresses, 't');
    const container = status.containerStatuses?.[0];
    expect(container?.state?.waiting?.message).toBe('back-off 1m20s restarting failed container=c pod=p_ns(u)');
    expect(container?.lastState?.terminated?.exitCode).toBe(137);
    expect(container?.restartCount).toBe(3);
    expect(status.conditions?.[0]).toMatchObject({ type: 'Ready', status: 'False', reason: 'ContainersNotReady', lastTransitionTime: 't' });
  });
  it('prints durations as Go does', () => {
    expect([goDuration(50), goDuration(1500), goDuration(60_000), goDuration(300_000)]).toEqual(['50ms', '1.5s', '1m0s', '5m0s']);
  });
});

describe('restart policy', () => {
  it('restarts by policy and exit code', () => {
    expect([shouldRestart(undefined, 0), shouldRestart('OnFailure', 0), shouldRestart('OnFailure', 1), shouldRestart('Never', 1)]).toEqual([true, false, true, false]);
  });
  it('doubles the delay up to the cap and starts over after a long run', () => {
    const options = { initialMs: 10, maxMs: 35, resetAfterMs: 1000 };
    expect(backoffStep(0, 5, options)).toEqual({ delayMs: 0, nextBackoffMs: 10 });
    expect(backoffStep(10, 5, options)).toEqual({ delayMs: 10, nextBackoffMs: 20 });
    expect(backoffStep(20, 5, options)).toEqual({ delayMs: 20, nextBackoffMs: 35 });
    expect(backoffStep(35, undefined, options)).toEqual({ delayMs: 35, nextBackoffMs: 35 });
    expect(backoffStep(35, 5000, options)).toEqual({ delayMs: 0, nextBackoffMs: 10 });
    expect(configRetryStep(0, options)).toEqual({ delayMs: 10, nextBackoffMs: 20 });
    expect(configRetryStep(20, options)).toEqual({ delayMs: 20, nextBackoffMs: 35 });
  });
});
