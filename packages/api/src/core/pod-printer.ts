/**
 * The columns `kubectl get pods` shows, computed as Kubernetes' pod printer computes them (pkg/printers/internalversion):
 * READY as ready/total containers, STATUS as the most telling reason (a container's waiting or terminated reason
 * over the phase, Terminating while being deleted), RESTARTS with how long ago the last one was.
 */
import { humanDuration } from '../meta/duration.js';

interface ContainerStatusView {
  ready?: boolean;
  restartCount?: number;
  state?: { waiting?: { reason?: string }; terminated?: { reason?: string; exitCode?: number; signal?: number }; running?: unknown };
  lastState?: { terminated?: { finishedAt?: string } };
}

interface PodView {
  metadata?: { deletionTimestamp?: string };
  spec?: { containers?: unknown[] };
  status?: { phase?: string; reason?: string; containerStatuses?: ContainerStatusView[]; conditions?: { type: string; status: string }[] };
}

function view(obj: Record<string, unknown>): PodView {
  return obj as PodView;
}

export function podReady(obj: Record<string, unknown>): string {
  const pod = view(obj);
  const total = pod.spec?.containers?.length ?? 0;
  const ready = (pod.status?.containerStatuses ?? []).filter((c) => c.ready).length;
  return `${ready}/${total}`;
}

export function podStatusReason(obj: Record<string, unknown>): string {
  const pod = view(obj);
  let reason = pod.status?.reason || pod.status?.phase || 'Pending';
  let running = false;
  for (const c of [...(pod.status?.containerStatuses ?? [])].reverse()) {
    if (c.state?.waiting?.reason) reason = c.state.waiting.reason;
    else if (c.state?.terminated?.reason) reason = c.state.terminated.reason;
    else if (c.state?.terminated) reason = c.state.terminated.signal ? `Signal:${c.state.terminated.signal}` : `ExitCode:${c.state.terminated.exitCode ?? 0}`;
    else if (c.state?.running && c.ready) running = true;
  }
  if (running && reason === 'Completed') reason = 'Running';
  if (pod.metadata?.deletionTimestamp) reason = 'Terminating';
  // A pod the scheduler could not place shows Pending, as kubectl does.
  return reason;
}

export function podRestarts(obj: Record<string, unknown>, now = Date.now()): string {
  const pod = view(obj);
  let restarts = 0;
  let last: number | undefined;
  for (const c of pod.status?.containerStatuses ?? []) {
    restarts += c.restartCount ?? 0;
    const finished = Date.parse(c.lastState?.terminated?.finishedAt ?? '');
    if (!Number.isNaN(finished) && (last === undefined || finished > last)) last = finished;
  }
  return restarts > 0 && last !== undefined ? `${restarts} (${humanDuration(now - last)} ago)` : String(restarts);
}
