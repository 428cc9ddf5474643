/** Events a worker reports with its status become Events on its Pod (or its job), counted through the recorder. */
import type { KubeObject, UpstreamMessage } from '@sedna/api';
import { describe, expect, it } from 'vitest';
import { MemoryCache } from '../src/runtime/cache.js';
import { RecordingClient } from '../src/runtime/recording-client.js';
import { onlyEvents, recordWorkerEvents, workerEventsOf } from '../src/workers/worker-events.js';

/** A recording client over an empty cache: the Events it creates and patches. */
function recordingClient() {
  const client = new RecordingClient(new MemoryCache());
  const bodies = (verb: 'create' | 'mergePatch') => client.writes('Event').filter((c) => c.verb === verb).map((c) => c.body!);
  return {
    client,
    get created() {
      return bodies('create');
    },
    get patched() {
      return bodies('mergePatch');
    },
  };
}

/** The readers of the pods and jobs the GM's caches would hold. */
function sourcesOf(client: RecordingClient, objects: KubeObject[]) {
  const cache = new MemoryCache(objects);
  return { client, pods: cache.of('Pod'), jobs: { jointinferenceservice: cache.of('JointInferenceService') } };
}

const job: KubeObject = { apiVersion: 'sedna.io/v1alpha1', kind: 'JointInferenceService', metadata: { name: 'ji', namespace: 'default', uid: 'job-uid' } };
const pod: KubeObject = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'ji-edge-abcde', namespace: 'default', uid: 'pod-uid', ownerReferences: [{ apiVersion: 'sedna.io/v1alpha1', kind: 'JointInferenceService', name: 'ji', uid: 'job-uid', controller: true }] },
  spec: { nodeName: 'edge-1', containers: [{ name: 'c', env: [{ name: 'WORKER_NAME', value: 'edgeworker-x1' }] }] },
};

const message = (content: Record<string, unknown>): UpstreamMessage => ({ header: { namespace: 'default', resourceKind: 'jointinferenceservice', resourceName: 'ji', operation: 'status' }, content });
const failed = { type: 'Warning', reason: 'ItemFailed', message: 'flow f, node decode: an item was dropped: bad', count: 3 };

describe('worker events', () => {
  it('records them on the worker Pod (found by WORKER_NAME) with the count the worker summed', async () => {
    const events = recordingClient();
    const sources = sourcesOf(events.client, [pod, job]);
    const m = message({ worker: 'edgeworker-x1', events: [failed] });
    expect(onlyEvents(m)).toBe(true);
    await recordWorkerEvents(sources, 'edge-1', m);
    expect(events.created).toHaveLength(1);
    expect(events.created[0]).toMatchObject({ involvedObject: { kind: 'Pod', name: 'ji-edge-abcde', uid: 'pod-uid' }, reason: 'ItemFailed', count: 3, source: { component: 'sedna-worker', host: 'edge-1' } });
    await recordWorkerEvents(sources, 'edge-1', m);
    expect(events.patched.map((p) => p['count'])).toEqual([6]);
  });

  it('records them on the job when the Pod is not the reporting node\'s, naming the worker', async () => {
    const events = recordingClient();
    await recordWorkerEvents(sourcesOf(events.client, [pod, job]), 'edge-2', message({ worker: 'edgeworker-x1', events: [failed], phase: 'inference', status: 'running' }));
    expect(events.created[0]).toMatchObject({ involvedObject: { kind: 'JointInferenceService', name: 'ji' }, message: `worker edgeworker-x1: ${failed.message}` });
  });

  it('refuses malformed events naming the field; a status with events is still a status', () => {
    expect(() => workerEventsOf(message({ worker: 'w', events: [{ ...failed, count: 0 }] }))).toThrow(/events\[0\]\.count/);
    expect(() => workerEventsOf(message({ events: [] }))).toThrow(/content\.worker/);
    expect(onlyEvents(message({ worker: 'w', events: [failed], phase: 'inference' }))).toBe(false);
    expect(workerEventsOf(message({ phase: 'inference' }))).toBeUndefined();
  });
});
