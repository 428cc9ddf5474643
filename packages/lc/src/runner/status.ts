import type { ContainerState, ContainerStatus, PodPhase, PodStatus } from '@sedna/api';
import type { PodAddresses } from './container-env.js';
import type { ContainerLifecycle, Termination } from './lifecycle.js';
import type { PersistedPodState } from './pod-state.js';
import type { RunnablePod } from './pod-ref.js';

/** The waiting reason of a container that cannot be created as written (retried; the pod stays). */
export const CONFIG_ERROR_REASON = 'CreateContainerConfigError';

/**
 * The PodStatus a kubelet would show for this state of the pod's (single, first) container.
 * `readySince` is when the Ready condition last changed, which only the caller can know.
 */
export function buildPodStatus(pod: RunnablePod, state: PersistedPodState, addresses: PodAddresses, readySince: string): PodStatus {
  const container = pod.spec.containers[0];
  const containerName = container?.name ?? '';
  const { lifecycle } = state;
  const ready = lifecycle.kind === 'running';
  const finished = lifecycle.kind === 'finished';
  const readyCondition = (type: string) => ({
    type,
    status: ready ? ('True' as const) : ('False' as const),
    lastTransitionTime: readySince,
    ...(ready ? {} : finished ? { reason: 'PodCompleted' } : { reason: 'ContainersNotReady', message: `containers with unready status: [${containerName}]` }),
  });
  const containerStatus: ContainerStatus = {
    name: containerName,
    ready,
    restartCount: state.restartCount,
    image: container?.image ?? '',
    imageID: '',
    started: ready,
    state: containerState(lifecycle, pod, containerName),
  };
  const previous = lifecycle.kind === 'backoff' ? lifecycle.termination : state.lastTermination;
  if (previous) containerStatus.lastState = { terminated: terminatedState(previous) };

  const status: PodStatus = {
    phase: podPhase(pod, state),
    conditions: [readyCondition('Ready'), readyCondition('ContainersReady')],
    hostIP: addresses.hostIP,
    podIP: addresses.podIP,
    startTime: state.startTime,
    containerStatuses: [containerStatus],
  };
  return status;
}

/** Pending until the first run started; Running while the container runs or will run again; then the outcome. */
export function podPhase(pod: RunnablePod, state: PersistedPodState): PodPhase {
  const { lifecycle } = state;
  switch (lifecycle.kind) {
    case 'creating':
    case 'configError':
      return state.restartCount === 0 && state.lastTermination === undefined ? 'Pending' : 'Running';
    case 'running':
    case 'backoff':
      return 'Running';
    case 'finished':
      return lifecycle.termination.exitCode === 0 ? 'Succeeded' : 'Failed';
  }
}

function containerState(lifecycle: ContainerLifecycle, pod: RunnablePod, containerName: string): ContainerState {
  switch (lifecycle.kind) {
    case 'creating':
      return { waiting: { reason: 'ContainerCreating' } };
    case 'running':
      return { running: { startedAt: lifecycle.startedAt } };
    case 'configError':
      return { waiting: { reason: CONFIG_ERROR_REASON, message: lifecycle.message } };
    case 'backoff': {
      const { name, namespace, uid } = pod.metadata;
      return {
        waiting: {
          reason: 'CrashLoopBackOff',
          message: `back-off ${goDuration(lifecycle.delayMs)} restarting failed container=${containerName} pod=${name}_${namespace}(${uid})`,
        },
      };
    }
    case 'finished':
      return { terminated: terminatedState(lifecycle.termination) };
  }
}

function terminatedState(termination: Termination): NonNullable<ContainerState['terminated']> {
  return { ...termination };
}

/** Durations the way Go prints them in kubelet messages: 500ms, 10s, 1m20s. */
export function goDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const totalSeconds = ms / 1000;
  if (totalSeconds < 60) return `${Number(totalSeconds.toFixed(3))}s`;
  const minutes = Math.floor(totalSeconds / 60);
  return `${minutes}m${Number((totalSeconds - minutes * 60).toFixed(3))}s`;
}
