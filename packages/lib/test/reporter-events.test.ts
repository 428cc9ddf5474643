/** The worker's event reporter: repeats summed per period, sent with the LC report, kept and merged when it fails. */
import { describe, expect, it } from 'vitest';
import { LCClient, WorkerEventReporter, workerEventReporterFromEnv, type WorkerIdentity } from '../src/reporter/index.js';
import { fakeLcPerTest, type FakeLC } from './helpers/fake-lc.js';

const identity: WorkerIdentity = { name: 'ji-edge-0', namespace: 'default', ownerName: 'ji', ownerKind: 'default' };

describe('WorkerEventReporter', () => {
  let lc: FakeLC;
  fakeLcPerTest((started) => (lc = started));

  it('sums repeats into one event with a count, and stop() sends what is pending', async () => {
    const reporter = new WorkerEventReporter({ client: new LCClient({ lcServer: lc.url }), identity, periodMs: 60_000 });
    for (let k = 0; k < 5; k++) reporter.record('Warning', 'ItemFailed', 'node decode: an item was dropped: bad bytes');
    reporter.record('Normal', 'ModelUpdated', 'node infer: now serving v2');
    await reporter.stop();
    expect(lc.received).toHaveLength(1);
    expect(lc.received[0]!.body).toMatchObject({
      name: 'ji-edge-0',
      ownerKind: 'default',
      events: [
        { type: 'Warning', reason: 'ItemFailed', message: 'node decode: an item was dropped: bad bytes', count: 5 },
        { type: 'Normal', reason: 'ModelUpdated', message: 'node infer: now serving v2', count: 1 },
      ],
    });
    expect(reporter.eventsSent).toBe(2);
  });

  it('keeps the events of a report the LC refused and adds the later repeats to them', async () => {
    const errors: unknown[] = [];
    const reporter = new WorkerEventReporter({ client: new LCClient({ lcServer: lc.url }), identity, periodMs: 60_000, onError: (e) => errors.push(e) });
    lc.failNext(503);
    reporter.record('Warning', 'ItemFailed', 'x');
    await reporter.flush();
    expect(errors).toHaveLength(1);
    reporter.record('Warning', 'ItemFailed', 'x');
    await reporter.stop();
    expect(lc.received.at(-1)!.body).toMatchObject({ events: [{ reason: 'ItemFailed', count: 2 }] });
  });

  it('exists only for a worker with an LC and a job', () => {
    expect(workerEventReporterFromEnv({})).toBeUndefined();
    expect(workerEventReporterFromEnv({ LC_SERVER: 'http://127.0.0.1:1' })).toBeUndefined();
    expect(workerEventReporterFromEnv({ LC_SERVER: 'http://127.0.0.1:1', JOB_NAME: 'ji' })).toBeInstanceOf(WorkerEventReporter);
  });
});
