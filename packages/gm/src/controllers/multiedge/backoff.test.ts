import { describe, expect, it } from 'vitest';
import type { ObjectOf } from '../../runtime/kinds.js';
import { nextRetryAt, retryDelayMs, RETRY_MAX_MS } from './backoff.js';

const failedPod = (finishedAt: string): ObjectOf<'Pod'> => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', creationTimestamp: '2026-01-01T00:00:00Z' }, spec: { containers: [{ name: 'c' }] }, status: { phase: 'Failed', containerStatuses: [{ name: 'c', image: 'i', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode: 1, finishedAt } } }] } });

describe('job retry backoff', () => {
  it('waits 10 s after the first failure, doubling, at most 6 minutes', () => {
    expect([0, 1, 2, 3, 6, 7, 50].map(retryDelayMs)).toEqual([0, 10_000, 20_000, 40_000, 320_000, RETRY_MAX_MS, RETRY_MAX_MS]);
  });

  it('counts from the newest failure', () => {
    const pods = [failedPod('2026-01-01T00:00:05Z'), failedPod('2026-01-01T00:00:30Z')];
    expect(nextRetryAt(pods)).toBe(Date.parse('2026-01-01T00:00:30Z') + 20_000);
    expect(nextRetryAt([])).toBe(0);
  });

  it('falls back to the creation time when the end is not recorded', () => {
    const pod: ObjectOf<'Pod'> = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', creationTimestamp: '2026-01-01T00:00:00Z' }, spec: { containers: [{ name: 'c' }] }, status: { phase: 'Failed' } };
    expect(nextRetryAt([pod])).toBe(Date.parse('2026-01-01T00:00:00Z') + 10_000);
  });
});
