/**
 * What the multi-edge controllers (the long-running services and the run-to-completion jobs) share: the kind's
 * declaration, the readers and worker machinery they are built from, and the upstream handler of its reports.
 */
import type { ChannelRouter } from '../../channel/router.js';
import type { KindReader } from '../../runtime/cache.js';
import type { ObjectClient } from '../../runtime/client.js';
import type { ControllerDeclaration, ObjectKey, ReconcileResult, Reconciler } from '../../runtime/controller.js';
import { multiEdgeDeclaration, type PeerKind } from './peers.js';
import { reportHandler } from './reports.js';
import type { GroupsOf, MultiEdgeKindName } from './worker-groups.js';
import { type MultiEdgeControllerDeps, type MultiEdgeDeps, multiEdgeDeps, MultiEdgeWorkers } from './workers.js';

export interface MultiEdgeKindDeclaration<K extends MultiEdgeKindName> {
  /** The controller's name, as the original's folder: `featureextraction`. */
  name: string;
  kind: K;
  groups: GroupsOf<K>;
  /** Peer kinds whose addresses these workers get. */
  peers?: PeerKind[];
}

export abstract class MultiEdgeController<K extends MultiEdgeKindName> implements Reconciler {
  static declaration(decl: MultiEdgeKindDeclaration<MultiEdgeKindName>, deployments: boolean): ControllerDeclaration {
    return multiEdgeDeclaration(decl.name, decl.kind, decl.peers, deployments);
  }
  readonly name: string;
  protected readonly objects: KindReader<K>;
  protected readonly deps: MultiEdgeDeps;
  protected readonly workers: MultiEdgeWorkers;
  protected readonly client: ObjectClient;

  /** `withConditionData`: reports also carry data for the conditions (the jobs'), see ./reports.ts. */
  protected constructor(
    protected readonly decl: MultiEdgeKindDeclaration<K>,
    deps: MultiEdgeControllerDeps & { router: ChannelRouter },
    withConditionData: boolean,
  ) {
    this.name = decl.name;
    this.objects = deps.cache.of(decl.kind);
    this.deps = multiEdgeDeps(deps);
    this.workers = new MultiEdgeWorkers(this.deps);
    this.client = deps.client;
    deps.router.handleUpstream(decl.kind.toLowerCase(), reportHandler(deps.client, decl.kind, withConditionData));
  }

  abstract reconcile(key: ObjectKey): Promise<ReconcileResult | void>;
}
