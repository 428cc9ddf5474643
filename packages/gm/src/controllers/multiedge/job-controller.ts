/**
 * The run-to-completion multi-edge kinds (VideoAnalyticsJob, ReidJob): one worker Pod at a time behind the kind's
 * Service, the job's phase Pending, Running, Succeeded, Failed with conditions Running, Completed, Failed, and the
 * counts `active`, `succeeded`, `failed`. A failed worker is kept (its logs stay readable and it counts) and another
 * is started until `backoffLimit` failures (default 6, as a batch/v1 Job), after a Job's backoff delay (./backoff.ts);
 * the original ignored backoffLimit, and its recreated VA Pod failed on the Service that already existed.
 */
import { rfc3339 as now } from '@sedna/api/runtime';
import type { ChannelRouter } from '../../channel/router.js';
import { type ObjectKey, type ReconcileResult, splitKey } from '../../runtime/controller.js';
import { recordEvent } from '../../runtime/events.js';
import type { ObjectOf } from '../../runtime/kinds.js';
import { buildWorkerPod, isActive, isWorkerOf, podPhase, workerName } from '../../workers/worker-pod.js';
import { peerEnv } from './peers.js';
import { nextRetryAt, retryDelayMs } from './backoff.js';
import { MultiEdgeController, type MultiEdgeKindDeclaration } from './base-controller.js';
import type { MultiEdgeJobKindName } from './worker-groups.js';
import type { MultiEdgeControllerDeps } from './workers.js';

export const DEFAULT_BACKOFF_LIMIT = 6;

/** `groups`: exactly one group, the job's worker. */
export type JobKindDeclaration<K extends MultiEdgeJobKindName = MultiEdgeJobKindName> = MultiEdgeKindDeclaration<K>;

/** A status as read (a new job has none; the counts are defaults the API server fills). */
type JobStatus = Partial<NonNullable<ObjectOf<MultiEdgeJobKindName>['status']>>;
type JobCondition = NonNullable<JobStatus['conditions']>[number];

export class MultiEdgeJobController<K extends MultiEdgeJobKindName> extends MultiEdgeController<K> {
  constructor(decl: JobKindDeclaration<K>, deps: MultiEdgeControllerDeps & { router: ChannelRouter }) {
    super(decl, deps, true);
  }

  async reconcile(key: ObjectKey): Promise<ReconcileResult | void> {
    const { namespace, name } = splitKey(key);
    const job = this.objects.get(name, namespace);
    if (!job || job.metadata.deletionTimestamp) return;
    const status: JobStatus = job.status ?? {};
    if (status.phase === 'Succeeded' || status.phase === 'Failed') return; // a finished job keeps its workers' records
    const groups = this.decl.groups(job, (model) => this.deps.models.get(model, namespace)?.spec);
    if ('waitingFor' in groups) {
      await this.write(job, { ...status, phase: 'Pending' });
      return;
    }
    const noBroker = this.workers.missingBroker(groups);
    if (noBroker) {
      const last = status.conditions?.at(-1);
      const conditions = last?.type === 'Waiting' && last.reason === 'NoBroker' ? status.conditions : [...(status.conditions ?? []), { type: 'Waiting' as const, status: 'True' as const, reason: 'NoBroker', message: noBroker, lastHeartbeatTime: now(), lastTransitionTime: now() }];
      await this.write(job, { ...status, phase: 'Pending', conditions });
      return;
    }
    const group = groups[0]!;
    const endpoints = await this.workers.ensureServices(job, groups);
    const node = this.workers.embedded ? this.workers.placement(group.template, group.defaultRole) : undefined;
    const backoffLimit = job.spec.backoffLimit ?? DEFAULT_BACKOFF_LIMIT;
    const pods = this.deps.pods.list(namespace).filter((p) => isWorkerOf(p, job) && !p.metadata.deletionTimestamp);
    const active = pods.filter(isActive).length;
    const running = pods.filter((p) => podPhase(p) === 'Running').length;
    const succeeded = pods.filter((p) => podPhase(p) === 'Succeeded').length;
    const failedPods = pods.filter((p) => podPhase(p) === 'Failed');
    const failed = failedPods.length;
    const next: JobStatus = { ...status, active, succeeded, failed, startTime: status.startTime ?? now() };
    const conditions = [...(status.conditions ?? [])];
    const push = (type: JobCondition['type'], reason: string, message: string) => {
      const last = conditions[conditions.length - 1];
      if (!last || last.type !== type) conditions.push({ type, status: 'True', reason, message, lastHeartbeatTime: now(), lastTransitionTime: now() });
    };
    if (succeeded > 0 && active === 0) {
      next.phase = 'Succeeded';
      next.completionTime = now();
      push('Completed', 'Completed', 'the worker completed');
      await recordEvent(this.client, job, 'Normal', 'Completed', 'the worker completed');
    } else if (failed > backoffLimit) {
      next.phase = 'Failed';
      next.completionTime = now();
      push('Failed', 'BackoffLimitExceeded', `${failed} worker(s) failed; backoffLimit is ${backoffLimit}`);
      await recordEvent(this.client, job, 'Warning', 'BackoffLimitExceeded', `${failed} worker(s) failed; backoffLimit is ${backoffLimit}`);
    } else {
      const peers = this.decl.peers ? peerEnv(namespace, this.decl.peers, this.deps.services, this.deps.pods, this.deps.addressing) : { env: {}, waitingFor: [] };
      if (active === 0 && peers.waitingFor.length > 0) {
        // A peer service exists but its worker has no address yet: started now, this worker would never learn it.
        next.phase = 'Pending';
        next.conditions = conditions;
        await this.write(job, next);
        return { requeueAfterMs: 1000 };
      }
      const retryAt = nextRetryAt(failedPods);
      if (active === 0 && Date.now() < retryAt) {
        // Backing off before the next worker, as a Job does: come back when the delay is over.
        next.phase = 'Pending';
        next.conditions = conditions;
        await this.write(job, next);
        return { requeueAfterMs: retryAt - Date.now() + 50 };
      }
      if (active === 0 && (!this.workers.embedded || node)) {
        const env = { ...peers.env, ...this.workers.envFor(job, group, node, endpoints, groups) };
        const template = node ? { ...group.template, spec: { ...group.template.spec, nodeName: node } } : group.template;
        const pod = buildWorkerPod({ owner: job, workerType: group.workerType, template, env: { ...env, WORKER_NAME: workerName(group.workerNamePrefix ?? group.workerType) }, restartPolicy: 'Never', hashOf: { template, env } });
        const created = await this.client.create('Pod', namespace, pod);
        if (failed > 0) await recordEvent(this.client, job, 'Warning', 'WorkerRestarted', `the worker failed (${failed} of ${backoffLimit} allowed); started ${created.metadata.name} after a ${retryDelayMs(failed) / 1000} s backoff`);
        else await recordEvent(this.client, job, 'Normal', 'WorkerCreated', `created the worker ${created.metadata.name}${node ? ` on ${node}` : ''}`);
        next.active = 1;
      }
      next.phase = running > 0 ? 'Running' : 'Pending';
      if (running > 0) push('Running', 'WorkerRunning', 'the worker is running');
    }
    next.conditions = conditions;
    await this.write(job, next);
  }

  private async write(job: ObjectOf<K>, next: JobStatus): Promise<void> {
    if (JSON.stringify(next) === JSON.stringify(job.status ?? {})) return;
    // Written as a job of either run-to-completion kind: their status is the same (JobStatus).
    const kind: MultiEdgeJobKindName = this.decl.kind;
    await this.client.mergePatch(kind, job.metadata.namespace!, job.metadata.name!, { status: next }, 'status');
  }
}
