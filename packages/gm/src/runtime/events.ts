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

/**
 * An Event for a condition a controller just appended (Warning when it is a failure). A failure to record is
 * logged, never a reason to fail the reconcile that made the change.
 */
export async function recordConditionEvent(client: KubeClient, about: KubeObject, condition: { type: string; reason?: string; message?: string }): Promise<void> {
  const failure = condition.type === 'Failed' || condition.type === 'ReplicaFailure';
  await recordEvent(client, about, failure ? 'Warning' : 'Normal', condition.reason || condition.type, condition.message || condition.type).catch((err: unknown) => {
    console.warn(`[gm] cannot record the event ${condition.reason ?? condition.type} of ${about.metadata.namespace}/${about.metadata.name}: ${err instanceof Error ? err.message : String(err)}`);
  });
}
