/** Kubernetes Events about objects, so that `kubectl describe` shows what the control plane saw. */
import type { KubeObject } from '@sedna/api';
import type { KubeClient } from './client.js';

export type EventType = 'Normal' | 'Warning';

export async function recordEvent(client: KubeClient, about: KubeObject, type: EventType, reason: string, message: string, component = 'sedna-gm'): Promise<void> {
  const t = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  const namespace = about.metadata.namespace || 'default';
  await client.create('Event', namespace, {
    metadata: { generateName: `${about.metadata.name}.`, namespace },
    involvedObject: { apiVersion: about.apiVersion, kind: about.kind, name: about.metadata.name, namespace: about.metadata.namespace, uid: about.metadata.uid },
    type,
    reason,
    message,
    source: { component },
    firstTimestamp: t,
    lastTimestamp: t,
    count: 1,
    reportingComponent: component,
  });
}
