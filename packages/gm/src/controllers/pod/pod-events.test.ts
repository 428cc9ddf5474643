import { describe, expect, it } from 'vitest';
import type { PodStatus } from '@sedna/api';
import { podTransitionEvents } from './pod-events.js';

const status = (state: object, restartCount = 0): PodStatus => ({ phase: 'Running', containerStatuses: [{ name: 'main', restartCount, state }] }) as unknown as PodStatus;

describe('podTransitionEvents', () => {
  it('records a start, a failure, a config error and a restart once each', () => {
    expect(podTransitionEvents(undefined, status({ running: { startedAt: 't1' } })).map((e) => e.reason)).toEqual(['Started']);
    expect(podTransitionEvents(status({ running: { startedAt: 't1' } }), status({ running: { startedAt: 't1' } }))).toEqual([]);
    const failed = podTransitionEvents(status({ running: { startedAt: 't1' } }), status({ terminated: { exitCode: 3, reason: 'Error', finishedAt: 't2' } }));
    expect(failed).toEqual([{ type: 'Warning', reason: 'Failed', message: 'container main ended with exit code 3 (Error)' }]);
    expect(podTransitionEvents(status({ terminated: { exitCode: 3, finishedAt: 't2' } }), status({ terminated: { exitCode: 3, finishedAt: 't2' } }))).toEqual([]);
    expect(podTransitionEvents(undefined, status({ terminated: { exitCode: 0, finishedAt: 't2' } }))).toEqual([]);
    expect(podTransitionEvents(undefined, status({ waiting: { reason: 'CreateContainerConfigError', message: 'env[0]: bad' } }))[0]).toMatchObject({ type: 'Warning', reason: 'Failed' });
    const restarted = podTransitionEvents(status({ terminated: { exitCode: 1, finishedAt: 't2' } }), status({ running: { startedAt: 't3' } }, 1));
    expect(restarted.map((e) => e.reason)).toEqual(['Started', 'Restarted']);
  });
});
