/** What the console says about an object's state: phases, readiness, ages. */
import type { Condition, KubeObject } from '../api/types';

export function conditions(o: KubeObject | undefined): Condition[] {
  return ((o?.status?.['conditions'] as Condition[] | undefined) ?? []).slice();
}

/** A job's or service's phase: its last condition (Sedna's jobs append one per transition), with the stage. */
export function workloadPhase(o: KubeObject): { phase: string; stage?: string } {
  const last = conditions(o).at(-1);
  const phase = (o.status?.['phase'] as string | undefined) ?? last?.type ?? 'Pending';
  return last?.stage ? { phase, stage: last.stage } : { phase };
}

export function nodeReady(o: KubeObject): { ready: boolean; heartbeat: string | undefined } {
  const ready = conditions(o).find((c) => c.type === 'Ready');
  return { ready: ready?.status === 'True', heartbeat: ready?.lastHeartbeatTime };
}

export function nodeRole(o: KubeObject): string {
  const labels = o.metadata.labels ?? {};
  return labels['sedna.io/role'] ?? (Object.keys(labels).find((l) => l.startsWith('node-role.kubernetes.io/'))?.split('/')[1] ?? '-');
}

export function podState(pod: KubeObject): { phase: string; reason: string | undefined; restarts: number; node: string; started: boolean } {
  const status = pod.status as { phase?: string; containerStatuses?: { restartCount?: number; state?: { running?: unknown; waiting?: { reason?: string }; terminated?: { reason?: string } } }[] } | undefined;
  const container = status?.containerStatuses?.[0];
  return {
    started: !!(container?.state?.running || container?.state?.terminated || (container?.restartCount ?? 0) > 0),
    phase: status?.phase ?? 'Pending',
    reason: container?.state?.waiting?.reason ?? container?.state?.terminated?.reason,
    restarts: (status?.containerStatuses ?? []).reduce((n, c) => n + (c.restartCount ?? 0), 0),
    node: (pod.spec?.['nodeName'] as string | undefined) ?? '-',
  };
}

export function age(time: string | undefined, now = Date.now()): string {
  if (!time) return '-';
  const s = Math.max(0, Math.round((now - Date.parse(time)) / 1000));
  if (s < 90) return `${s}s`;
  if (s < 90 * 60) return `${Math.round(s / 60)}m`;
  if (s < 36 * 3600) return `${Math.round(s / 3600)}h`;
  return `${Math.round(s / 86400)}d`;
}

export function phaseColor(phase: string): string {
  if (/Running|Ready|True|Completed|Succeeded/.test(phase)) return 'green';
  if (/Fail|Error|BackOff|NotReady|False/.test(phase)) return 'red';
  if (/Waiting|Pending|Starting|Init/.test(phase)) return 'yellow';
  return 'gray';
}
