/** Events a worker reports with its status become Events on its Pod (or its job), counted through the recorder. */
import type { KubeObject, UpstreamMessage } from '@sedna/api';
import { describe, expect, it } from 'vitest';
import type { KubeClient } from '../src/runtime/client.js';
import type { ResourceInformer } from '../src/runtime/informer.js';
import { onlyEvents, recordWorkerEvents, workerEventsOf } from '../src/workers/worker-events.js';

function recordingClient() {
  const created: Record<string, any>[] = [];
  const patched: Record<string, any>[] = [];
  const client = {
    create: async (_kind: string, _ns: string, body: Record<string, any>) => {
      const obj = { ...body, metadata: { ...body['metadata'], name: `${body['metadata'].generateName}${created.length}` } };
      created.push(obj);
      return obj;
    },
    mergePatch: async (_kind: string, _ns: string, _name: string, patch: Record<string, any>) => {
      patched.push(patch);
      return {};
    },
  } as unknown as KubeClient;
  return { client, created, patched };
}

const informer = (objects: KubeObject[]): ResourceInformer => ({ list: () => objects, get: (name: string, ns?: string) => objects.find((o) => o.metadata.name === name && o.metadata.namespace === ns) }) as unknown as ResourceInformer;

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
    const { client, created, patched } = recordingClient();
    const sources = { client, pods: informer([pod]), jobs: { jointinferenceservice: informer([job]) } };
    const m = message({ worker: 'edgeworker-x1', events: [failed] });
    expect(onlyEvents(m)).toBe(true);
    await recordWorkerEvents(sources, 'edge-1', m);
    expect(created).toHaveLength(1);
    expect(created[0]).toMatchObject({ involvedObject: { kind: 'Pod', name: 'ji-edge-abcde', uid: 'pod-uid' }, reason: 'ItemFailed', count: 3, source: { component: 'sedna-worker', host: 'edge-1' } });
    await recordWorkerEvents(sources, 'edge-1', m);
    expect(patched.map((p) => p['count'])).toEqual([6]);
  });

  it('records them on the job when the Pod is not the reporting node\'s, naming the worker', async () => {
    const { client, created } = recordingClient();
    await recordWorkerEvents({ client, pods: informer([pod]), jobs: { jointinferenceservice: informer([job]) } }, 'edge-2', message({ worker: 'edgeworker-x1', events: [failed], phase: 'inference', status: 'running' }));
    expect(created[0]).toMatchObject({ involvedObject: { kind: 'JointInferenceService', name: 'ji' }, message: `worker edgeworker-x1: ${failed.message}` });
  });

  it('refuses malformed events naming the field; a status with events is still a status', () => {
    expect(() => workerEventsOf(message({ worker: 'w', events: [{ ...failed, count: 0 }] }))).toThrow(/events\[0\]\.count/);
    expect(() => workerEventsOf(message({ events: [] }))).toThrow(/content\.worker/);
    expect(onlyEvents(message({ worker: 'w', events: [failed], phase: 'inference' }))).toBe(false);
    expect(workerEventsOf(message({ phase: 'inference' }))).toBeUndefined();
  });
});
