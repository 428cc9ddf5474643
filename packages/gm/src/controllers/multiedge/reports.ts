/**
 * The workers' reports (POST {LC_SERVER}/sedna/workers/{name}/info, routed up by the LC) into the owner's status:
 * `ownerInfo` counters become `status.metrics` (strings, as the original's Metric), and for the jobs the report is
 * the `data` of their Running condition (the original parsed these reports and threw them away).
 */
import type { UpstreamMessage } from '@sedna/api';
import { rfc3339 as now } from '@sedna/api/runtime';
import { getObject, isConflict, isNotFound, type ObjectClient } from '../../runtime/client.js';
import type { MultiEdgeKindName } from './worker-groups.js';

interface JobLikeCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  data?: string;
  lastHeartbeatTime?: string;
  lastTransitionTime?: string;
}


export function metricsOf(ownerInfo: Record<string, unknown>): { key: string; value: string }[] {
  return Object.entries(ownerInfo)
    .filter(([k]) => k !== 'startTime' && k !== 'updateTime')
    .map(([key, value]) => ({ key, value: typeof value === 'string' ? value : JSON.stringify(value) }));
}

/** A handler for one kind's reports; `withConditionData` for the jobs, whose conditions carry `data`. */
export function reportHandler(client: ObjectClient, kind: MultiEdgeKindName, withConditionData: boolean): (node: string, message: UpstreamMessage) => Promise<void> {
  return async (_node, message) => {
    const { namespace, resourceName } = message.header;
    const output = (message.content['output'] ?? {}) as { ownerInfo?: Record<string, unknown> };
    const metrics = metricsOf(output.ownerInfo ?? {});
    for (let attempt = 0; ; attempt++) {
      const owner = await getObject(client, kind, namespace, resourceName).catch((err: unknown) => {
        if (isNotFound(err)) throw new Error(`${kind.toLowerCase()} ${namespace}/${resourceName} is unknown`, { cause: err });
        throw err;
      });
      const status: Record<string, unknown> = {};
      if (metrics.length > 0) status['metrics'] = metrics;
      if (withConditionData) {
        // Only the jobs carry condition data: their status has a phase and data in its conditions.
        const jobStatus: { conditions?: JobLikeCondition[]; phase?: string } = owner.status ?? {};
        const conditions = [...(jobStatus.conditions ?? [])];
        const phase = jobStatus.phase;
        // A finished job keeps its last condition; reports of a running job refresh the data of its Running condition.
        if (phase !== 'Succeeded' && phase !== 'Failed') {
          const data = JSON.stringify({ phase: message.content['phase'], status: message.content['status'], output });
          const last = conditions[conditions.length - 1];
          if (last && last.type === 'Running') conditions[conditions.length - 1] = { ...last, data, lastHeartbeatTime: now() };
          else conditions.push({ type: 'Running', status: 'True', reason: 'WorkerReport', message: 'the worker reported', data, lastHeartbeatTime: now(), lastTransitionTime: now() });
          status['conditions'] = conditions;
        }
      }
      if (Object.keys(status).length === 0) return;
      try {
        await client.mergePatch(kind, namespace, resourceName, { metadata: { resourceVersion: owner.metadata.resourceVersion }, status }, 'status');
        return;
      } catch (err) {
        if (!isConflict(err) || attempt >= 4) throw err;
      }
    }
  };
}
