/**
 * The Events of a pod's life in embedded mode, as a kubelet records them: Started when its container starts
 * running, Failed (Warning) when it ends with an error or cannot be started (a config error), BackOff (Warning)
 * when it is restarted after a failure. Computed from the status before and after a report of the LC.
 */
import type { PodStatus } from '@sedna/api';

export interface PodEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

type ContainerView = { name: string; restartCount?: number; state?: { running?: { startedAt?: string }; waiting?: { reason?: string; message?: string }; terminated?: { exitCode?: number; reason?: string; message?: string; finishedAt?: string } } };

function containers(status: PodStatus | undefined): ContainerView[] {
  return ((status as { containerStatuses?: ContainerView[] } | undefined)?.containerStatuses ?? []) as ContainerView[];
}

export function podTransitionEvents(before: PodStatus | undefined, after: PodStatus): PodEvent[] {
  const events: PodEvent[] = [];
  const old = new Map(containers(before).map((c) => [c.name, c]));
  for (const c of containers(after)) {
    const prev = old.get(c.name);
    const state = c.state ?? {};
    if (state.running && (!prev?.state?.running || prev.state.running.startedAt !== state.running.startedAt)) {
      events.push({ type: 'Normal', reason: 'Started', message: `started container ${c.name}` });
    }
    const t = state.terminated;
    if (t && t.exitCode !== 0 && (!prev?.state?.terminated || prev.state.terminated.finishedAt !== t.finishedAt)) {
      events.push({ type: 'Warning', reason: 'Failed', message: `container ${c.name} ended with exit code ${t.exitCode}${t.reason ? ` (${t.reason})` : ''}${t.message ? `: ${t.message}` : ''}` });
    }
    const w = state.waiting;
    if (w?.reason && w.reason !== 'ContainerCreating' && w.reason !== 'PodInitializing' && prev?.state?.waiting?.reason !== w.reason) {
      events.push({ type: 'Warning', reason: w.reason === 'CrashLoopBackOff' ? 'BackOff' : 'Failed', message: `container ${c.name}: ${w.reason}${w.message ? `: ${w.message}` : ''}` });
    }
    if ((c.restartCount ?? 0) > (prev?.restartCount ?? 0)) {
      events.push({ type: 'Normal', reason: 'Restarted', message: `restarted container ${c.name} (restart ${c.restartCount})` });
    }
  }
  return events;
}
