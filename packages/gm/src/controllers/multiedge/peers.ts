/**
 * Workers of one multi-edge kind call the services of another (a video analytics job calls the feature
 * extraction service, and the ReID job; the feature extraction service answers each camera). The original relied on
 * cluster DNS names fixed in the lib (`feature-extraction-fe`, `reid-reid`), which is why its samples say "DON'T EDIT
 * THIS LABEL". Here the GM finds the peer services of the namespace and hands their addresses to the workers in the
 * same variables the original lib reads (FE_MODEL_BIND_URL/_PORT, REID_MODEL_BIND_URL/_PORT), so any name works and
 * embedded mode (no DNS) works too; and their names (FE_SERVICE_NAME, REID_SERVICE_NAME), which name the broker's
 * subjects (`sedna.<ns>.<service>.<topic>`) when the workers talk through NATS. Among several, the one with the
 * original's default name wins, else the oldest.
 */
import type { KubeObject } from '@sedna/api';
import type { KindReader, ObjectCache } from '../../runtime/cache.js';
import { type ControllerDeclaration, keyOf, watch } from '../../runtime/controller.js';
import type { KindName } from '../../runtime/kinds.js';
import type { Addressing } from '../../workers/addressing.js';
import { serviceName } from '../../workers/names.js';
import { WORKER_ENV, type WorkerEnvName } from '@sedna/api/contracts';

export interface PeerKind {
  kind: string;
  /** The Service name suffix the kind's controller creates. */
  suffix: string;
  /** The original lib's default owner name. */
  defaultName: string;
  env: { host: WorkerEnvName; port: WorkerEnvName; name: WorkerEnvName };
}

export const FE_PEER: PeerKind = { kind: 'FeatureExtractionService', suffix: 'fe', defaultName: 'feature-extraction', env: { host: WORKER_ENV.FE_MODEL_BIND_URL, port: WORKER_ENV.FE_MODEL_BIND_PORT, name: WORKER_ENV.FE_SERVICE_NAME } };
export const REID_PEER: PeerKind = { kind: 'ReidJob', suffix: 'reid', defaultName: 'reid', env: { host: WORKER_ENV.REID_MODEL_BIND_URL, port: WORKER_ENV.REID_MODEL_BIND_PORT, name: WORKER_ENV.REID_SERVICE_NAME } };

function ownerOf(obj: KubeObject, kind: string): string | undefined {
  return obj.metadata.ownerReferences?.find((r) => r.kind === kind && r.controller)?.name;
}

/**
 * The environment naming each peer kind's service in `namespace`, for the peers that have a reachable address, and
 * the peers that exist but have no address yet (their worker is not placed yet): a worker started now would never
 * learn it, so the caller waits for them.
 */
export function peerEnv(namespace: string, peers: PeerKind[], services: KindReader<'Service'>, pods: KindReader<'Pod'>, addressing: Addressing): { env: Record<string, string>; waitingFor: string[] } {
  const env: Record<string, string> = {};
  const waitingFor: string[] = [];
  for (const peer of peers) {
    const candidates = services
      .list(namespace)
      .filter((s) => { const owner = ownerOf(s, peer.kind); return owner !== undefined && s.metadata.name === serviceName(owner, peer.suffix); })
      .sort((a, b) => {
        const da = ownerOf(a, peer.kind) === peer.defaultName ? 0 : 1;
        const db = ownerOf(b, peer.kind) === peer.defaultName ? 0 : 1;
        return da - db || String(a.metadata.creationTimestamp).localeCompare(String(b.metadata.creationTimestamp));
      });
    for (const service of candidates) {
      // Embedded mode: the node of a pod behind the service gives the host.
      const selector = service.spec.selector ?? {};
      const pod = pods.list(namespace).find((p) => !p.metadata.deletionTimestamp && Object.entries(selector).every(([k, v]) => p.metadata.labels?.[k] === v));
      const node = pod?.spec.nodeName;
      const endpoint = addressing.endpoint(service, node);
      if (!endpoint) continue;
      env[peer.env.host] = endpoint.host;
      env[peer.env.port] = String(endpoint.port);
      env[peer.env.name] = ownerOf(service, peer.kind)!;
      break;
    }
    if (candidates.length > 0 && !(peer.env.host in env)) waitingFor.push(`${peer.kind} ${ownerOf(candidates[0]!, peer.kind)}`);
  }
  return { env, waitingFor };
}

/**
 * What a multi-edge job or service controller reconciles and reads: its objects, the Pods and Services (and on a
 * cluster Deployments) it owns, the Models its groups name, the nodes (a node's address goes into its workers' env),
 * and the Services of the peers it calls.
 */
export function multiEdgeDeclaration(name: string, kind: KindName, peers: PeerKind[] | undefined, deployments: boolean): ControllerDeclaration {
  const all = (cache: ObjectCache, namespace?: string) => cache.list(kind, namespace).map(keyOf);
  return {
    name,
    for: kind,
    owns: ['Pod', 'Service', ...(deployments ? (['Deployment'] as const) : [])],
    watches: [
      watch('Model', (model, cache) => all(cache, model.metadata.namespace)),
      watch('Node', (_node, cache) => all(cache)),
      ...(peers ? [watch('Service', (svc, cache) => (peers.some((p) => ownerOf(svc, p.kind)) ? all(cache, svc.metadata.namespace) : []))] : []),
    ],
  };
}
