/**
 * The Events a kubelet records when a container's state changes, worded as a kubelet words them: Started, BackOff
 * (CrashLoopBackOff) and Failed (a container that cannot be created). The local controller reports states; the GM
 * turns the changes into Events on the Pod, so `kubectl describe pod` shows them.
 */
import type { ContainerStatus, PodStatus } from '@sedna/api';
import type { ObjectOf } from '../../runtime/kinds.js';
import type { EventType } from '../../runtime/events.js';

export interface ContainerEvent {
  type: EventType;
  reason: string;
  message: string;
}

export function containerEvents(pod: ObjectOf<'Pod'>, next: PodStatus): ContainerEvent[] {
  const before: ContainerStatus[] = pod.status?.containerStatuses ?? [];
  const out: ContainerEvent[] = [];
  for (const now of next.containerStatuses ?? []) {
    const old = before.find((c) => c.name === now.name);
    const waiting = now.state?.waiting;
    const changed = old?.state?.waiting?.reason !== waiting?.reason || old?.restartCount !== now.restartCount;
    if (now.state?.running && now.state.running.startedAt !== old?.state?.running?.startedAt) {
      out.push({ type: 'Normal', reason: 'Started', message: `Started container ${now.name}` });
    } else if (waiting?.reason === 'CrashLoopBackOff' && changed) {
      out.push({ type: 'Warning', reason: 'BackOff', message: `Back-off restarting failed container ${now.name} in pod ${pod.metadata.name}_${pod.metadata.namespace}(${pod.metadata.uid})` });
    } else if (waiting?.reason === 'CreateContainerConfigError' && changed) {
      out.push({ type: 'Warning', reason: 'Failed', message: `Error: ${waiting.message ?? waiting.reason}` });
    }
  }
  return out;
}
