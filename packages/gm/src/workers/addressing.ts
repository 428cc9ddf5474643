/**
 * How workers reach the local controller of their node and the services of cloud workers.
 * - kubernetes mode: Services with cluster DNS (`<svc>.<ns>`) on the service port; LC_SERVER from the GM config
 *   (the LC runs with host networking on every node).
 * - embedded mode: no cluster network; a cloud worker binds a node port allocated for its Service (type NodePort)
 *   and others reach it at its node's address; LC_SERVER is the node's LC on 127.0.0.1 at the port it announced.
 */
import { LC_PORT_LABEL, type NodeAddress, type ServiceSpec } from '@sedna/api';

type ServicePort = NonNullable<ServiceSpec['ports']>[number];
import type { ObjectOf } from '../runtime/kinds.js';
import type { ObjectCache } from '../runtime/cache.js';
import { hostListeningPorts } from './host-listening-ports.js';

export { LC_PORT_LABEL };
const NODE_PORT_MIN = 30000;
const NODE_PORT_MAX = 32767;

export interface ServiceEndpoint {
  /** Where other workers connect. */
  host: string;
  port: number;
  /** What the serving worker binds. */
  bindPort: number;
  /**
   * The address the serving worker binds (BIG_MODEL_BIND_IP, AGG_BIND_IP): in embedded mode its node's address,
   * where the others are sent; on a cluster undefined: the pod's own IP (status.podIP), which its Service targets,
   * as the original's workers found it themselves. Never every interface.
   */
  bindHost: string | undefined;
}

/** The bind address variable of a serving worker: a value in embedded mode, the pod's IP on a cluster. */
export function bindAddressEnv(variable: string, endpoint: ServiceEndpoint): { env: Record<string, string>; fieldEnv: Record<string, string> } {
  return endpoint.bindHost !== undefined ? { env: { [variable]: endpoint.bindHost }, fieldEnv: {} } : { env: {}, fieldEnv: { [variable]: 'status.podIP' } };
}

export interface Addressing {
  readonly embedded: boolean;
  lcServer(nodeName: string | undefined): string;
  /**
   * The Service to create for a cloud worker listening on `port`. `replicas`: how many replicas may serve it at once
   * (an autoscaled worker's maxReplicas); in embedded mode each gets a node port of its own (no kube-proxy spreads
   * the connections: the clients do), on a cluster the Service's one port spreads them.
   */
  serviceSpec(port: number, existing: ObjectOf<'Service'> | undefined, replicas?: number): ServiceSpec;
  /** Where replica 0 serves (and the only one without autoscaling). */
  endpoint(service: ObjectOf<'Service'>, nodeName: string | undefined): ServiceEndpoint | undefined;
  /** Where each replica serves, in replica order; one entry on a cluster (the Service spreads them). */
  endpoints(service: ObjectOf<'Service'>, nodeName: string | undefined): ServiceEndpoint[];
}

export function kubernetesAddressing(lcServer: string): Addressing {
  return {
    embedded: false,
    lcServer: () => lcServer,
    serviceSpec: (port) => ({ type: 'ClusterIP', ports: [{ name: 'tcp-0', port, targetPort: port, protocol: 'TCP' }] }),
    endpoint: (service) => {
      const port = service.spec.ports?.[0]?.port;
      return port ? { host: `${service.metadata.name}.${service.metadata.namespace}`, port, bindPort: port, bindHost: undefined } : undefined;
    },
    endpoints(service, nodeName) {
      const one = this.endpoint(service, nodeName);
      return one ? [one] : [];
    },
  };
}

function countInRange(ports: Set<number>): number {
  let n = 0;
  for (const port of ports) if (port >= NODE_PORT_MIN && port <= NODE_PORT_MAX) n++;
  return n;
}

/** How a controller's workers are addressed, from its own cache (which then must watch Node and Service). */
export type AddressingFor = (cache: ObjectCache) => Addressing;

/**
 * `cache`: the controller's; it must watch Node (the address and LC port), and Service (node ports in use) when
 * it makes Services. `portsInUseOnHost`: ports a new node port must not be drawn from, besides other Services' (by
 * default what listens on this machine: the nodes of `sedna up` are all this machine).
 */
export function embeddedAddressing(cache: ObjectCache, portsInUseOnHost: () => Set<number> = hostListeningPorts): Addressing {
  const nodes = cache.of('Node');
  const nodeAddress = (name: string | undefined): string | undefined => {
    const node = name ? nodes.get(name) : undefined;
    const addresses: NodeAddress[] = node?.status?.addresses ?? [];
    return addresses.find((a) => a.type === 'InternalIP')?.address;
  };
  const usedNodePorts = (): Set<number> => new Set(cache.list('Service').flatMap((s) => (s.spec.ports ?? []).map((p) => p.nodePort ?? 0)));
  return {
    embedded: true,
    lcServer: (nodeName) => {
      const node = nodeName ? nodes.get(nodeName) : undefined;
      const port = node?.metadata.labels?.[LC_PORT_LABEL];
      return `http://127.0.0.1:${port ?? 9100}`;
    },
    serviceSpec: (port, existing, replicas = 1): ServiceSpec => {
      const current = (existing?.spec.ports ?? []).map((p) => p.nodePort);
      let used: Set<number> | undefined;
      const ports = Array.from({ length: Math.max(1, replicas) }, (_, i): ServicePort => {
        // A replica keeps its node port: its clients were told it.
        let nodePort = current[i];
        if (!nodePort) {
          used ??= new Set([...usedNodePorts(), ...portsInUseOnHost()]);
          if (countInRange(used) > NODE_PORT_MAX - NODE_PORT_MIN) throw new Error(`no free node port left in ${NODE_PORT_MIN}-${NODE_PORT_MAX}: Services and programs on this machine hold them all`);
          do nodePort = NODE_PORT_MIN + Math.floor(Math.random() * (NODE_PORT_MAX - NODE_PORT_MIN + 1));
          while (used.has(nodePort));
          used.add(nodePort);
        }
        return { name: i === 0 ? 'tcp-0' : `replica-${i}`, port: port + i, targetPort: nodePort, nodePort, protocol: 'TCP' };
      });
      return { type: 'NodePort', ports };
    },
    endpoint(service, nodeName) {
      return this.endpoints(service, nodeName)[0];
    },
    endpoints: (service, nodeName) => {
      const host = nodeAddress(nodeName);
      if (!host) return [];
      return (service.spec.ports ?? []).flatMap((p) => (p.nodePort ? [{ host, port: p.nodePort, bindPort: p.nodePort, bindHost: host }] : []));
    },
  };
}
