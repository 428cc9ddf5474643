/**
 * Why a worker Pod does not run, in the words its node or the scheduler used: a container waiting with a reason
 * other than being created (CreateContainerConfigError, CrashLoopBackOff, ...), or a Pod the scheduler could not
 * place. Controllers put it into their job's condition and an Event, so `kubectl get`/`describe` on the job says
 * why, not only the Pod.
 */
import type { ObjectOf } from '../runtime/kinds.js';

export interface PodProblem {
  reason: string;
  message: string;
}

/** Waiting reasons that are a normal step on the way to running. */
const NORMAL_WAITING = new Set(['ContainerCreating', 'PodInitializing']);

export function podProblem(pod: ObjectOf<'Pod'>): PodProblem | undefined {
  const status = pod.status ?? {};
  const scheduled = status.conditions?.find((c) => c.type === 'PodScheduled');
  if (scheduled?.status === 'False') return { reason: scheduled.reason ?? 'Unschedulable', message: scheduled.message ?? 'the pod cannot be scheduled' };
  for (const container of status.containerStatuses ?? []) {
    const waiting = container.state?.waiting;
    if (waiting?.reason && !NORMAL_WAITING.has(waiting.reason)) return { reason: waiting.reason, message: waiting.message ?? waiting.reason };
  }
  if (status.reason) return { reason: status.reason, message: status.message ?? status.reason };
  return undefined;
}

/** The first problem among a job's worker Pods, with the message naming the worker. */
export function firstWorkerProblem(pods: readonly ObjectOf<'Pod'>[], describe: (pod: ObjectOf<'Pod'>) => string): PodProblem | undefined {
  for (const pod of pods) {
    if (pod.metadata.deletionTimestamp) continue;
    const problem = podProblem(pod);
    if (problem) return { reason: problem.reason, message: `${describe(pod)}: ${problem.message}` };
  }
  return undefined;
}
