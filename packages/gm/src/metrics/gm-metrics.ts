/**
 * The GM's /metrics: reconciles and queue depth per controller, the GM-LC connections, and, computed at scrape
 * time from the GM's caches, the system metrics (pods, jobs, datasets) and the stage job metrics. Served on the
 * hub's port behind the node token, and optionally without authentication on a metrics-only address.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  componentRegistry,
  controllerMetrics,
  handleMetricsRequest,
  hasBearerToken,
  hubMetrics,
  isMetricsRequest,
  lifelongTaskMetrics,
  measuring,
  stageJobMetrics,
  systemMetrics,
  type HubMetrics,
  type HubNodeFigures,
  type ObservedObject,
  type Registry,
} from '@sedna/metrics';
import type { NodeHub } from '../hub/index.js';
import type { ControllerManager } from '../runtime/manager.js';

/** The kinds whose objects count as jobs and services in `sedna_job_*` (the multi-edge kinds too: their conditions have no stage). */
export const JOB_KINDS = ['JointInferenceService', 'IncrementalLearningJob', 'FederatedLearningJob', 'LifelongLearningJob', 'VideoAnalyticsJob', 'ReidJob', 'FeatureExtractionService', 'ObjectSearchService', 'ObjectTrackingService'] as const;

export interface GmMetrics {
  registry: Registry;
  hub: HubMetrics;
  /** Connects the hub once it exists (the node gauges read it at scrape time). */
  attachHub(hub: NodeHub): void;
  /** The hub's plain-HTTP hook: /metrics with the node token. */
  route(token: string): (req: IncomingMessage, res: ServerResponse) => boolean;
}

/** Call before the controllers are added: their reconciles are measured from then on. */
export function gmMetrics(manager: ControllerManager): GmMetrics {
  const registry = componentRegistry('gm');
  const controllers = controllerMetrics(registry, () => manager.queueDepths());
  if (measuring()) manager.instrument(controllers);
  let attached: NodeHub | undefined;
  const nodes = (): HubNodeFigures[] =>
    (attached?.knownNodes() ?? []).flatMap((node) => {
      const info = attached!.nodeInfo(node);
      return info ? [{ node, connected: info.connected, ready: info.ready, pendingUpstream: info.pendingUpstream, queuedDownstream: info.queuedDownstream }] : [];
    });
  const hub = hubMetrics(registry, nodes);
  const list = (kind: string): readonly ObservedObject[] => manager.informer(kind).list() as ObservedObject[];
  systemMetrics(registry, {
    pods: () => list('Pod'),
    datasets: () => list('Dataset'),
    jobs: () => JOB_KINDS.flatMap((kind) => list(kind).map((o) => ({ ...o, kind }))),
  });
  stageJobMetrics(registry, 'sedna_incremental_learning', () => list('IncrementalLearningJob'));
  stageJobMetrics(registry, 'sedna_lifelong_learning', () => list('LifelongLearningJob'));
  lifelongTaskMetrics(registry, () => list('LifelongLearningJob'));
  return {
    registry,
    hub,
    attachHub: (h) => {
      attached = h;
    },
    route: (token) => (req, res) => {
      if (!isMetricsRequest(req)) return false;
      if (!hasBearerToken(req, token)) {
        res.writeHead(401, { 'Content-Type': 'text/plain' }).end('unauthorized: /metrics of the GM needs the node token\n');
        return true;
      }
      handleMetricsRequest(registry, req, res);
      return true;
    },
  };
}
