/**
 * What the Kubernetes API server does to some kinds on create, besides validation:
 * - Service: a ClusterIP from the service range (10.96.0.0/12, as kubeadm's default), `targetPort` defaulted to
 *   `port`, a `nodePort` from 30000-32767 for NodePort services; port, targetPort and nodePort stay distinct fields.
 * - CustomResourceDefinition: this server serves the CRDs it is built with (deploy/crds); applying those is accepted,
 *   a CRD of any other kind is refused (no kind is stored that nothing serves).
 */
import { allCustomResourceDefinitions, type KubeObject } from '@sedna/api';
import { ApiError, errors } from '../http/errors.js';
import type { Store } from '../storage/store.js';

const SERVICE_CIDR_BASE = (10 << 24) | (96 << 16);
const SERVICE_CIDR_SIZE = 1 << 20; // a /12
const NODE_PORT_MIN = 30000;
const NODE_PORT_MAX = 32767;

const BUILT_IN_CRDS = new Map(allCustomResourceDefinitions().map(({ manifest }) => [String((manifest['metadata'] as { name: string }).name), manifest]));

export function builtInCrds(): Map<string, Record<string, unknown>> {
  return BUILT_IN_CRDS;
}

function ipString(n: number): string {
  return [24, 16, 8, 0].map((shift) => (n >>> shift) & 255).join('.');
}

interface ServicePort {
  port?: number;
  targetPort?: number | string;
  nodePort?: number;
}

export function admitCreate(store: Store, object: KubeObject): void {
  if (object.kind === 'Service') admitService(store, object);
  if (object.kind === 'CustomResourceDefinition') admitCrd(object);
}

function admitCrd(object: KubeObject): void {
  const name = object.metadata.name ?? '';
  if (!BUILT_IN_CRDS.has(name)) {
    throw new ApiError(403, 'Forbidden', `customresourcedefinitions "${name}" is forbidden: the embedded API server serves only the CRDs it is built with (${[...BUILT_IN_CRDS.keys()].join(', ')}); use a Kubernetes cluster for other custom resources`, { name, group: 'apiextensions.k8s.io', kind: 'customresourcedefinitions' });
  }
}

function admitService(store: Store, object: KubeObject): void {
  const spec = ((object['spec'] ??= {}) as Record<string, unknown>);
  const type = (spec['type'] as string | undefined) ?? 'ClusterIP';
  const services = store.list('/services').map((s) => s.object['spec'] as { clusterIP?: string; ports?: ServicePort[] } | undefined);
  if (type !== 'ExternalName' && (spec['clusterIP'] === undefined || spec['clusterIP'] === '')) {
    const used = new Set(services.map((s) => s?.clusterIP).filter((ip): ip is string => !!ip));
    // Start past the network address and the first address (kubernetes.default's, by convention).
    let ip: string | undefined;
    for (let offset = 10; offset < SERVICE_CIDR_SIZE - 1; offset++) {
      const candidate = ipString(SERVICE_CIDR_BASE + offset);
      if (!used.has(candidate)) {
        ip = candidate;
        break;
      }
    }
    if (!ip) throw new ApiError(500, 'InternalError', 'Internal error occurred: failed to allocate a serviceIP: range is full');
    spec['clusterIP'] = ip;
    spec['clusterIPs'] = [ip];
  }
  const ports = (spec['ports'] as ServicePort[] | undefined) ?? [];
  const usedNodePorts = new Set(services.flatMap((s) => (s?.ports ?? []).map((p) => p.nodePort ?? 0)));
  ports.forEach((p, i) => {
    if (p.targetPort === undefined || p.targetPort === 0 || p.targetPort === '') p.targetPort = p.port;
    if (type !== 'NodePort' && type !== 'LoadBalancer') return;
    if (p.nodePort) {
      if (p.nodePort < NODE_PORT_MIN || p.nodePort > NODE_PORT_MAX) {
        throw errors.invalid('Service', '', object.metadata.name ?? '', [{ type: 'FieldValueInvalid', field: `spec.ports[${i}].nodePort`, message: `Invalid value: ${p.nodePort}: provided port is not in the valid range. The range of valid ports is ${NODE_PORT_MIN}-${NODE_PORT_MAX}` }]);
      }
      if (usedNodePorts.has(p.nodePort)) {
        throw errors.invalid('Service', '', object.metadata.name ?? '', [{ type: 'FieldValueInvalid', field: `spec.ports[${i}].nodePort`, message: `Invalid value: ${p.nodePort}: provided port is already allocated` }]);
      }
      usedNodePorts.add(p.nodePort);
      return;
    }
    let port = NODE_PORT_MIN + Math.floor(Math.random() * (NODE_PORT_MAX - NODE_PORT_MIN + 1));
    while (usedNodePorts.has(port)) port = port === NODE_PORT_MAX ? NODE_PORT_MIN : port + 1;
    p.nodePort = port;
    usedNodePorts.add(port);
  });
}
