import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import {
  LCClient,
  LCReporter,
  LCSendError,
  buildWorkerMessage,
  formatReportTime,
  lcPeriodMsFromEnv,
  workerIdentityFromEnv,
  type InferenceOwnerInfo,
  type WorkerIdentity,
} from '../src/reporter/index.js';
import { FakeLC, fakeLcPerTest } from './helpers/fake-lc.js';
import { waitFor } from './helpers/wait.js';

const identity: WorkerIdentity = { name: 'ji-edge-0', namespace: 'default', ownerName: 'helmet-ji', ownerKind: 'jointinferenceservice' };

describe('LCClient', () => {
  let lc: FakeLC;
  fakeLcPerTest((started) => (lc = started));

  it('POSTs the original message shape to /sedna/workers/{name}/info', async () => {
    const client = new LCClient({ lcServer: `${lc.url}/` });
    const message = buildWorkerMessage(identity, {
      kind: 'train',
      status: 'completed',
      results: [{ format: 'onnx', url: '/models/m.onnx', metrics: { accuracy: [0.91] } }],
    });
    const reply = await client.send('ji-edge-0', message);
    expect(reply).toEqual({ status: 200, body: { Status: 200, Message: 'OK' } });
    expect(lc.received).toEqual([
      {
        worker: 'ji-edge-0',
        body: {
          name: 'ji-edge-0',
          namespace: 'default',
          ownerName: 'helmet-ji',
          ownerKind: 'jointinferenceservice',
          kind: 'train',
          status: 'completed',
          results: [{ format: 'onnx', url: '/models/m.onnx', metrics: { accuracy: [0.91] } }],
        },
      },
    ]);
  });

  it('retries transient failures with backoff, and not a 400', async () => {
    const client = new LCClient({ lcServer: lc.url, retry: { initialDelayMs: 5, maxDelayMs: 20 } });
    lc.failNext(503, 500);
    await client.send('ji-edge-0', buildWorkerMessage(identity, { kind: 'deploy', status: 'completed' }));
    expect(lc.requests).toBe(3);
    expect(lc.received).toHaveLength(1);

    lc.failNext(400);
    const failed = client.send('ji-edge-0', buildWorkerMessage(identity, { kind: 'deploy', status: 'failed' }));
    await expect(failed).rejects.toBeInstanceOf(LCSendError);
    expect(lc.requests).toBe(4);

    lc.failNext(503, 503, 503);
    await expect(client.send('ji-edge-0', buildWorkerMessage(identity, { kind: 'eval', status: 'completed' }), { retry: { attempts: 3 } })).rejects.toThrow(
      /failed after 3 attempts: HTTP 503: injected failure/,
    );
  });

  it('checks the message before sending', async () => {
    const client = new LCClient({ lcServer: lc.url });
    await expect(client.send('other', buildWorkerMessage(identity, { kind: 'train', status: 'running' }))).rejects.toThrow(
      'worker message name "ji-edge-0" differs from the worker name "other"',
    );
    await expect(client.send('ji-edge-0', { ...identity, kind: 'predict' as never, status: 'running' })).rejects.toThrow(/field kind must be one of/);
    expect(() => new LCClient({ lcServer: 'not a url' })).toThrow(/LC_SERVER must be an http\(s\) URL/);
    expect(lc.requests).toBe(0);
  });

  it('names the URL when the LC is unreachable', async () => {
    await lc.stop();
    const client = new LCClient({ lcServer: lc.url, retry: { attempts: 2, initialDelayMs: 1 } });
    await expect(client.send('ji-edge-0', buildWorkerMessage(identity, { kind: 'train', status: 'running' }))).rejects.toThrow(
      /reporting to http:\/\/127\.0\.0\.1:\d+\/sedna\/workers\/ji-edge-0\/info failed after 2 attempts: fetch failed \(connect ECONNREFUSED/,
    );
  });

  it('reads its settings from the worker environment', () => {
    expect(LCClient.fromEnv({}).lcServer).toBe('http://127.0.0.1:9100');
    expect(workerIdentityFromEnv('incrementallearningjob', { JOB_NAME: 'il', NAMESPACE: 'ns' })).toEqual({
      name: 'il',
      namespace: 'ns',
      ownerName: 'il',
      ownerKind: 'incrementallearningjob',
    });
    expect(() => workerIdentityFromEnv('default', {})).toThrow(/JOB_NAME/);
    expect(lcPeriodMsFromEnv({})).toBe(30_000);
    expect(lcPeriodMsFromEnv({ LC_PERIOD: '0.5' })).toBe(500);
    expect(() => lcPeriodMsFromEnv({ LC_PERIOD: 'soon' })).toThrow('LC_PERIOD must be a positive number of seconds; got "soon"');
    expect(formatReportTime(new Date(2024, 0, 2, 3, 4, 5))).toBe('2024-01-02 03:04:05');
  });
});

describe('LCReporter', () => {
  let lc: FakeLC;
  let reporter: LCReporter | undefined;
  beforeEach(async () => {
    lc = new FakeLC();
    await lc.start();
  });
  afterEach(async () => {
    await reporter?.stop();
    await lc.stop();
  });

  const ownerInfo = (k: number): InferenceOwnerInfo => lc.received[k]?.body.ownerInfo as InferenceOwnerInfo;

  it('reports cumulative counters each period with new inferences', async () => {
    reporter = new LCReporter({ client: new LCClient({ lcServer: lc.url }), identity, periodMs: 20 });
    reporter.start();
    reporter.updateForEdgeInference();
    reporter.updateForEdgeInference();
    reporter.updateForEdgeInference();
    reporter.updateForCollaborationInference();
    await waitFor('the first report', () => lc.received.length >= 1);
    const first = lc.received[0]?.body;
    expect(first).toMatchObject({ ...identity, kind: 'inference', status: 'running', results: [] });
    expect(ownerInfo(0)).toMatchObject({ inferenceNumber: 4, hardExampleNumber: 1, uploadCloudRatio: 0.25 });
    expect(ownerInfo(0).startTime).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);

    reporter.updateForCollaborationInference();
    await waitFor('the second report', () => lc.received.length >= 2);
    expect(ownerInfo(1)).toMatchObject({ inferenceNumber: 5, hardExampleNumber: 2, uploadCloudRatio: 0.4 });
  });

  it('keeps going through an LC outage and then sends the latest counters, not a backlog', async () => {
    const errors: unknown[] = [];
    reporter = new LCReporter({
      client: new LCClient({ lcServer: lc.url, timeoutMs: 2000 }),
      identity,
      periodMs: 20,
      retryDelayMs: 5,
      onError: (e) => errors.push(e),
    });
    reporter.start();
    reporter.updateForEdgeInference();
    await waitFor('a report before the outage', () => lc.received.length === 1);

    await lc.stop();
    const live = reporter;
    for (let i = 0; i < 6; i++) live.updateForEdgeInference();
    // Well past the original's ~12 s of retries worth of failures: it must still be trying.
    await waitFor('several failed reports', () => live.consecutiveFailures >= 5);
    for (let i = 0; i < 3; i++) live.updateForCollaborationInference();
    await waitFor('more failed reports', () => live.consecutiveFailures >= 7);
    expect(errors.length).toBeGreaterThanOrEqual(7);
    // A report under way when the LC stopped may fail on its closed connection first ("other side closed"); the
    // reports after it find nothing listening.
    expect(errors.map(String).join('\n')).toMatch(/ECONNREFUSED/);

    await lc.start(); // the same port again
    await waitFor('a report after the outage', () => lc.received.length >= 2);
    expect(lc.received).toHaveLength(2);
    expect(ownerInfo(1)).toMatchObject({ inferenceNumber: 10, hardExampleNumber: 3 });
    // The LC counts the report before the reporter has read the answer: wait for the reporter to see it accepted.
    await waitFor('the reporter sees the report accepted', () => live.consecutiveFailures === 0);
    // Nothing was left unreported: with no new inference, no further report is due.
    expect(await live.flush()).toBe(true);
    expect(lc.received).toHaveLength(2);
  });

  it('stops cleanly and can flush a last report', async () => {
    reporter = new LCReporter({ client: new LCClient({ lcServer: lc.url }), identity, periodMs: 10 });
    reporter.start();
    reporter.updateForEdgeInference();
    await waitFor('one report', () => reporter?.reportsAccepted === 1);
    await reporter.stop();
    reporter.updateForEdgeInference();
    expect(lc.received).toHaveLength(1);
    expect(await reporter.flush()).toBe(true);
    expect(lc.received).toHaveLength(2);
    expect(ownerInfo(1)).toMatchObject({ inferenceNumber: 2, hardExampleNumber: 0 });
  });
});
