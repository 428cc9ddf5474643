/**
 * The proposal's "common system metrics", computed at scrape time from the objects the GM already caches (its
 * informers): pod phase and container states (named and shaped as kube-state-metrics does, with a `sedna_`
 * prefix), the condition of every job and service (StageConditionStatus), start and completion times, and the
 * sample counts of Datasets (SampleNum). Labels name objects, so series are bounded by the objects that exist.
 */
import { Gauge, type Registry } from 'prom-client';

/** The shape of an object as this module reads it (any Kubernetes object fits). */
export interface ObservedObject {
  kind?: string;
  metadata: { name?: string; namespace?: string; creationTimestamp?: string };
  status?: unknown;
}

export interface SystemSources {
  pods(): readonly ObservedObject[];
  datasets(): readonly ObservedObject[];
  /** Every job and service of the Sedna kinds (JointInferenceService, IncrementalLearningJob...). */
  jobs(): readonly ObservedObject[];
}

export const POD_PHASES = ['Pending', 'Running', 'Succeeded', 'Failed', 'Unknown'] as const;

interface PodStatusView {
  phase?: string;
  containerStatuses?: { name: string; restartCount?: number; state?: { running?: unknown; waiting?: { reason?: string }; terminated?: { reason?: string } } }[];
}

interface Condition {
  type?: string;
  status?: string;
  stage?: string;
}

interface JobStatusView {
  conditions?: Condition[];
  startTime?: string;
  completionTime?: string;
}

const seconds = (t: string | undefined): number | undefined => {
  if (!t) return undefined;
  const ms = Date.parse(t);
  return Number.isFinite(ms) ? ms / 1000 : undefined;
};

/** The condition that tells a job's state now: the last one (stage jobs append) or the last with status True. */
export function currentCondition(conditions: readonly Condition[] | undefined): Condition | undefined {
  if (!conditions || conditions.length === 0) return undefined;
  if (conditions.some((c) => c.stage !== undefined)) return conditions[conditions.length - 1];
  for (let i = conditions.length - 1; i >= 0; i--) if (conditions[i]!.status === 'True') return conditions[i];
  return conditions[conditions.length - 1];
}

export function systemMetrics(registry: Registry, sources: SystemSources): void {
  const podLabels = (o: ObservedObject) => ({ namespace: o.metadata.namespace ?? '', pod: o.metadata.name ?? '' });
  new Gauge({
    name: 'sedna_pod_status_phase',
    help: 'The pod\'s phase: 1 for the current one (PodStatus; kube_pod_status_phase)',
    labelNames: ['namespace', 'pod', 'phase'],
    registers: [registry],
    collect() {
      this.reset();
      for (const pod of sources.pods()) {
        const phase = (pod.status as PodStatusView | undefined)?.phase ?? 'Unknown';
        for (const p of POD_PHASES) this.set({ ...podLabels(pod), phase: p }, p === phase ? 1 : 0);
      }
    },
  });
  new Gauge({
    name: 'sedna_pod_container_state',
    help: 'The state of each container: 1 for the current one of running, waiting, terminated (ContainerStatus; kube_pod_container_status_*)',
    labelNames: ['namespace', 'pod', 'container', 'state', 'reason'],
    registers: [registry],
    collect() {
      this.reset();
      for (const pod of sources.pods()) {
        for (const c of (pod.status as PodStatusView | undefined)?.containerStatuses ?? []) {
          const state = c.state?.running ? 'running' : c.state?.terminated ? 'terminated' : 'waiting';
          const reason = c.state?.terminated?.reason ?? c.state?.waiting?.reason ?? '';
          this.set({ ...podLabels(pod), container: c.name, state, reason }, 1);
        }
      }
    },
  });
  new Gauge({
    name: 'sedna_pod_container_restarts',
    help: 'Restarts of each container (kube_pod_container_status_restarts_total, as a gauge since a recreated pod starts again at 0)',
    labelNames: ['namespace', 'pod', 'container'],
    registers: [registry],
    collect() {
      this.reset();
      for (const pod of sources.pods()) {
        for (const c of (pod.status as PodStatusView | undefined)?.containerStatuses ?? []) this.set({ ...podLabels(pod), container: c.name }, c.restartCount ?? 0);
      }
    },
  });
  const jobLabels = (o: ObservedObject) => ({ kind: o.kind ?? '', namespace: o.metadata.namespace ?? '', name: o.metadata.name ?? '' });
  new Gauge({
    name: 'sedna_job_stage_condition',
    help: 'The current condition of a job or service: 1 with its stage (Train, Eval, Deploy; empty for kinds without stages) and condition type (Waiting, Ready, Starting, Running, Completed, Failed) (StageConditionStatus)',
    labelNames: ['kind', 'namespace', 'name', 'stage', 'condition'],
    registers: [registry],
    collect() {
      this.reset();
      for (const job of sources.jobs()) {
        const current = currentCondition((job.status as JobStatusView | undefined)?.conditions);
        if (current?.type) this.set({ ...jobLabels(job), stage: current.stage ?? '', condition: current.type }, 1);
      }
    },
  });
  new Gauge({
    name: 'sedna_job_stage_conditions',
    help: 'Conditions a stage job has gone through, by stage and condition type (its condition history counted: every stage transition, also those shorter than a scrape interval; the history is bounded to the recent conditions and the latest of each kind)',
    labelNames: ['kind', 'namespace', 'name', 'stage', 'condition'],
    registers: [registry],
    collect() {
      this.reset();
      for (const job of sources.jobs()) {
        const counts = new Map<string, { stage: string; condition: string; n: number }>();
        for (const c of (job.status as JobStatusView | undefined)?.conditions ?? []) {
          if (c.stage === undefined || !c.type) continue;
          const key = `${c.stage}/${c.type}`;
          const entry = counts.get(key) ?? { stage: c.stage, condition: c.type, n: 0 };
          entry.n++;
          counts.set(key, entry);
        }
        for (const { stage, condition, n } of counts.values()) this.set({ ...jobLabels(job), stage, condition }, n);
      }
    },
  });
  new Gauge({
    name: 'sedna_job_start_time_seconds',
    help: 'When the job or service started, Unix time (StartTime)',
    labelNames: ['kind', 'namespace', 'name'],
    registers: [registry],
    collect() {
      this.reset();
      for (const job of sources.jobs()) {
        const t = seconds((job.status as JobStatusView | undefined)?.startTime);
        if (t !== undefined) this.set(jobLabels(job), t);
      }
    },
  });
  new Gauge({
    name: 'sedna_job_completion_time_seconds',
    help: 'When the job completed, Unix time (CompletionTime)',
    labelNames: ['kind', 'namespace', 'name'],
    registers: [registry],
    collect() {
      this.reset();
      for (const job of sources.jobs()) {
        const t = seconds((job.status as JobStatusView | undefined)?.completionTime);
        if (t !== undefined) this.set(jobLabels(job), t);
      }
    },
  });
  new Gauge({
    name: 'sedna_dataset_samples',
    help: 'Samples in a Dataset as its node counted them (SampleNum)',
    labelNames: ['namespace', 'name'],
    registers: [registry],
    collect() {
      this.reset();
      for (const ds of sources.datasets()) {
        const n = (ds.status as { numberOfSamples?: number } | undefined)?.numberOfSamples;
        if (typeof n === 'number') this.set({ namespace: ds.metadata.namespace ?? '', name: ds.metadata.name ?? '' }, n);
      }
    },
  });
}
