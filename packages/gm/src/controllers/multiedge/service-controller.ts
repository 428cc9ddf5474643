/**
 * The long-running multi-edge kinds (FeatureExtractionService, ObjectSearchService, ObjectTrackingService): groups of
 * workers kept at their replica counts, their Services, and the status the original defines: conditions Pending,
 * Running, Failed (a new one only when the state changes), `active` and `failed` counts, `metrics` from reports.
 * Unlike the original, a worker that ends is replaced rather than turning the service Failed for good, and the number
 * of workers needed is the sum of the groups' replicas (the original counted spec fields and failed FE on its second
 * sync).
 */
import type { ServiceCondition } from '@sedna/api';
import { rfc3339 as now } from '@sedna/api/runtime';
import type { ChannelRouter } from '../../channel/router.js';
import { type ObjectKey, splitKey } from '../../runtime/controller.js';
import type { ObjectOf } from '../../runtime/kinds.js';
import { peerEnv } from './peers.js';
import { MultiEdgeController, type MultiEdgeKindDeclaration } from './base-controller.js';
import type { MultiEdgeServiceKindName } from './worker-groups.js';
import type { MultiEdgeControllerDeps } from './workers.js';

export type ServiceKindDeclaration<K extends MultiEdgeServiceKindName = MultiEdgeServiceKindName> = MultiEdgeKindDeclaration<K>;

export class MultiEdgeServiceController<K extends MultiEdgeServiceKindName> extends MultiEdgeController<K> {
  constructor(decl: ServiceKindDeclaration<K>, deps: MultiEdgeControllerDeps & { router: ChannelRouter }) {
    super(decl, deps, false);
  }

  async reconcile(key: ObjectKey): Promise<void> {
    const { namespace, name } = splitKey(key);
    const owner = this.objects.get(name, namespace);
    if (!owner || owner.metadata.deletionTimestamp) return; // its workers go by garbage collection
    const groups = this.decl.groups(owner, (model) => this.deps.models.get(model, namespace)?.spec);
    if ('waitingFor' in groups) {
      await this.setStatus(owner, 'Pending', 'Waiting', `waiting for ${groups.waitingFor}`, 0, 0);
      return;
    }
    const noBroker = this.workers.missingBroker(groups);
    if (noBroker) {
      await this.setStatus(owner, 'Pending', 'NoBroker', noBroker, 0, 0);
      return;
    }
    const endpoints = await this.workers.ensureServices(owner, groups);
    const peers = this.decl.peers ? peerEnv(namespace, this.decl.peers, this.deps.services, this.deps.pods, this.deps.addressing).env : {};
    let active = 0;
    let failed = 0;
    let needed = 0;
    for (const group of groups) {
      const node = this.workers.embedded ? this.workers.placement(group.template, group.defaultRole) : undefined;
      if (this.workers.embedded && !node) continue;
      const counts = await this.workers.ensureGroup(owner, group, (replica) => ({ ...peers, ...this.workers.envFor(owner, group, node, endpoints, groups, replica) }));
      active += counts.active;
      failed += counts.failed;
      needed += group.replicas;
    }
    const total = groups.reduce((n, g) => n + g.replicas, 0);
    if (needed < total) await this.setStatus(owner, 'Pending', 'NoNode', `no Ready node for ${total - needed} worker(s)`, active, failed);
    else if (active >= total) await this.setStatus(owner, 'Running', 'WorkersRunning', `${active} of ${total} workers running`, active, failed);
    else if (failed > 0) await this.setStatus(owner, 'Failed', 'WorkerFailed', `${failed} worker(s) failed; restarting them (${active} of ${total} running)`, active, failed);
    else await this.setStatus(owner, 'Pending', 'WorkersStarting', `${active} of ${total} workers running`, active, failed);
  }

  private async setStatus(owner: ObjectOf<K>, type: ServiceCondition['type'], reason: string, message: string, active: number, failed: number): Promise<void> {
    const status: { conditions?: ServiceCondition[]; startTime?: string; active?: number; failed?: number } = owner.status ?? {};
    const conditions = [...(status.conditions ?? [])];
    const last = conditions[conditions.length - 1];
    if (!last || last.type !== type || last.reason !== reason) conditions.push({ type, status: 'True', reason, message, lastTransitionTime: now(), lastHeartbeatTime: now() });
    const next = { conditions, startTime: status.startTime ?? now(), active, failed };
    const current = { conditions: status.conditions ?? [], startTime: status.startTime, active: status.active, failed: status.failed };
    if (JSON.stringify(next) === JSON.stringify(current)) return;
    // Written as a service of any multi-edge kind: their status is the same (ServiceStatusShape).
    const kind: MultiEdgeServiceKindName = this.decl.kind;
    await this.client.mergePatch(kind, owner.metadata.namespace!, owner.metadata.name!, { status: next }, 'status');
  }
}
