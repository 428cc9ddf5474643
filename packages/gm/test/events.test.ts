/** The GM's event recorder aggregates as client-go's event correlator: a repeat counts, many similar ones combine. */
import type { KubeObject } from '@sedna/api';
import { describe, expect, it } from 'vitest';
import type { KubeClient } from '../src/runtime/client.js';
import { EventRecorder } from '../src/runtime/events.js';

function recordingClient() {
  const created: Record<string, any>[] = [];
  const patched: { name: string; patch: Record<string, any> }[] = [];
  const client = {
    create: async (_kind: string, _ns: string, body: Record<string, any>) => {
      const obj = { ...body, metadata: { ...body['metadata'], name: `${body['metadata'].generateName}${created.length}` } };
      created.push(obj);
      return obj;
    },
    mergePatch: async (_kind: string, _ns: string, name: string, patch: Record<string, any>) => {
      patched.push({ name, patch });
      return {};
    },
  } as unknown as KubeClient;
  return { client, created, patched };
}

const job: KubeObject = { apiVersion: 'sedna.io/v1alpha1', kind: 'JointInferenceService', metadata: { name: 'ji', namespace: 'default', uid: 'u1' } };

describe('EventRecorder', () => {
  it('creates an event once and counts its repeats (count and series)', async () => {
    const { client, created, patched } = recordingClient();
    const recorder = new EventRecorder(client);
    await Promise.all([1, 2, 3].map(() => recorder.record(job, 'Warning', 'CreateContainerConfigError', 'no command')));
    expect(created).toHaveLength(1);
    expect(created[0]).toMatchObject({ reason: 'CreateContainerConfigError', count: 1, involvedObject: { kind: 'JointInferenceService', name: 'ji', uid: 'u1' } });
    expect(patched.map((p) => p.patch['count'])).toEqual([2, 3]);
    expect(patched[1]!.patch['series'].count).toBe(3);
    expect(patched[1]!.patch['series'].lastObservedTime).toMatch(/\.\d{6}Z$/);
  });

  it('combines more than ten similar events (same reason, other messages) into one that counts', async () => {
    const { client, created, patched } = recordingClient();
    const recorder = new EventRecorder(client);
    for (let i = 0; i < 14; i++) await recorder.record(job, 'Normal', 'WorkerCreated', `created worker ${i}`);
    expect(created).toHaveLength(11);
    expect(created[10]!['message']).toBe('(combined from similar events): created worker 10');
    expect(patched).toHaveLength(3);
  });
});
