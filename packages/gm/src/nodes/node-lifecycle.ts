/**
 * Nodes register themselves: a local controller's hello creates or updates its Node object (labels such as the
 * edge or cloud role, addresses, `nodeInfo` and capacity of its host) and marks it Ready; heartbeats stopping mark
 * it NotReady. Nodes that do not come back after a GM restart are marked NotReady once the grace period has passed.
 * Heartbeats renew the node's `coordination.k8s.io/v1` Lease in `kube-node-lease` (how current Kubernetes marks
 * liveness, every 10 s as a kubelet) and advance the Ready condition's `lastHeartbeatTime` (every minute). On a real
 * cluster the kubelet owns the Node, its status and its Lease: the hello only adds the LC's labels to a Node that
 * exists.
 */
import type { NodeCondition, NodeHello } from '@sedna/api';
import { rfc3339 as now, rfc3339Micro as microTime } from '@sedna/api/runtime';
import { isNotFound, type KubeClient } from '../runtime/client.js';
import type { ObjectOf } from '../runtime/kinds.js';

import { NODE_ROLE_LABEL as ROLE_LABEL } from '@sedna/api';
export { ROLE_LABEL };
export const NODE_LEASE_NAMESPACE = 'kube-node-lease';
const LEASE_DURATION_SECONDS = 40;
const LEASE_RENEW_MS = 10_000;
const STATUS_HEARTBEAT_MS = 60_000;

/** Every field of NodeSystemInfo: clients such as the Python client require them all. */
const NODE_INFO_FIELDS = ['architecture', 'bootID', 'containerRuntimeVersion', 'kernelVersion', 'kubeProxyVersion', 'kubeletVersion', 'machineID', 'operatingSystem', 'osImage', 'systemUUID'];

function nodeInfo(hello: NodeHello): Record<string, string> {
  const given = hello.nodeInfo ?? {};
  const info: Record<string, string> = Object.fromEntries(NODE_INFO_FIELDS.map((f) => [f, given[f] ?? '']));
  if (!info['kubeletVersion']) info['kubeletVersion'] = `sedna-lc/${hello.version}`;
  return { ...given, ...info };
}

export class NodeLifecycle {
  private readonly seen = new Set<string>();
  /** When each node's Lease and status heartbeat were last written, and whether it is Ready. */
  private readonly beats = new Map<string, { lease: number; status: number; ready: boolean }>();
  private timer: NodeJS.Timeout | undefined;
  /**
   * Nodes whose Lease or status heartbeat write is on its way: one at a time per node. When the API server is
   * slower than the heartbeats, renewals would otherwise pile up in the GM (hundreds of requests per node, all
   * writing the same thing); the next heartbeat after the write renews again.
   */
  private readonly writing = new Set<string>();

  constructor(
    private readonly client: KubeClient,
    private readonly log: (msg: string) => void,
    /** Embedded mode: the GM creates Nodes, writes their status and renews their Leases (false: kubelets do). */
    private readonly ownsNodes = true,
  ) {}

  async onHello(hello: NodeHello): Promise<void> {
    this.seen.add(hello.name);
    if (!this.ownsNodes) {
      const existing = await this.client.get('Node', '', hello.name).catch((err: unknown) => {
        throw isNotFound(err) ? new Error(`there is no Node ${hello.name} in the cluster (the LC's node name must be its kubelet's)`) : err;
      });
      await this.client.mergePatch('Node', '', hello.name, { metadata: { labels: { ...(existing.metadata.labels ?? {}), ...hello.labels } } });
      return;
    }
    const ready = readyCondition(true, 'NodeConnected', 'the local controller connected');
    this.transitions.set(hello.name, ready.lastTransitionTime!);
    const capacity = { pods: '110', ...(hello.capacity ?? {}) };
    const status = { addresses: hello.addresses, conditions: [ready], nodeInfo: nodeInfo(hello), capacity, allocatable: capacity };
    try {
      const existing = await this.client.get('Node', '', hello.name);
      const labels = { ...(existing.metadata.labels ?? {}), ...hello.labels };
      await this.client.mergePatch('Node', '', hello.name, { metadata: { labels } });
    } catch (err) {
      if (!isNotFound(err)) throw err;
      await this.client.create('Node', '', { metadata: { name: hello.name, labels: hello.labels } });
      this.log(`node ${hello.name} registered`);
    }
    await this.setStatus(hello.name, status);
    this.beats.set(hello.name, { lease: Date.now(), status: Date.now(), ready: true });
    if (this.ownsNodes) await this.renewLease(hello.name);
  }

  /** A heartbeat of a connected node: the Lease is renewed, the Ready condition's heartbeat time advanced. */
  onHeartbeat(node: string): void {
    const beat = this.beats.get(node);
    if (!beat) return;
    const now = Date.now();
    if (this.ownsNodes && now - beat.lease >= LEASE_RENEW_MS) {
      this.once(`lease/${node}`, () => {
        beat.lease = now;
        return this.renewLease(node).catch((err: unknown) => this.log(`node ${node}: cannot renew its lease: ${(err as Error).message}`));
      });
    }
    if (beat.ready && now - beat.status >= STATUS_HEARTBEAT_MS) {
      this.once(`status/${node}`, () => {
        beat.status = now;
        return this.setStatus(node, { conditions: [readyCondition(true, 'NodeConnected', 'the local controller connected', this.transitionOf(node))] }).catch((err: unknown) =>
          this.log(`node ${node}: cannot record its heartbeat: ${(err as Error).message}`),
        );
      });
    }
  }

  /** Runs `write` unless the previous write of `key` is still on its way. */
  private once(key: string, write: () => Promise<void>): void {
    if (this.writing.has(key)) return;
    this.writing.add(key);
    void write().finally(() => this.writing.delete(key));
  }

  private readonly transitions = new Map<string, string>();

  private transitionOf(node: string): string | undefined {
    return this.transitions.get(node);
  }

  /** The node's Lease: holder the node, renewed now (created on first use). */
  private async renewLease(node: string): Promise<void> {
    const spec = { holderIdentity: node, leaseDurationSeconds: LEASE_DURATION_SECONDS, renewTime: microTime() };
    try {
      await this.client.mergePatch('Lease', NODE_LEASE_NAMESPACE, node, { spec });
    } catch (err) {
      if (!isNotFound(err)) throw err;
      const owner = await this.client.get('Node', '', node).catch(() => undefined);
      await this.client.create('Lease', NODE_LEASE_NAMESPACE, {
        metadata: { name: node, namespace: NODE_LEASE_NAMESPACE, ...(owner ? { ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: node, uid: owner.metadata.uid! }] } : {}) },
        spec: { ...spec, acquireTime: spec.renewTime },
      });
    }
  }

  onReady(node: string, ready: boolean, reason: string, message: string): void {
    this.seen.add(node);
    if (!this.ownsNodes) {
      this.log(`the local controller of node ${node} is ${ready ? 'connected' : 'gone'} (${reason})`);
      return;
    }
    const beat = this.beats.get(node);
    if (beat) beat.ready = ready;
    this.transitions.set(node, now());
    void this.setStatus(node, { conditions: [readyCondition(ready, reason, message)] }).catch((err: unknown) => this.log(`node ${node}: cannot record readiness: ${(err as Error).message}`));
    this.log(`node ${node} is ${ready ? 'Ready' : 'NotReady'} (${reason})`);
  }

  /** Pressure conditions (DiskPressure) a node's heartbeat reported changed: merged into its status by type. */
  onConditions(node: string, conditions: NodeCondition[]): void {
    if (!this.ownsNodes) return;
    const t = now();
    const stamped = conditions.map((c) => ({ ...c, lastHeartbeatTime: t, lastTransitionTime: t }));
    void this.setStatus(node, { conditions: stamped }).catch((err: unknown) => this.log(`node ${node}: cannot record its conditions: ${(err as Error).message}`));
    for (const c of conditions) if (c.status === 'True') this.log(`node ${node} reports ${c.type}: ${c.message ?? c.reason ?? ''}`);
  }

  /** After a GM start, nodes that stay away for the grace period are NotReady. */
  watchForAbsentNodes(list: () => ObjectOf<'Node'>[], graceMs: number): void {
    if (!this.ownsNodes) return;
    this.timer = setTimeout(() => {
      for (const node of list()) {
        const name = node.metadata.name!;
        if (this.seen.has(name)) continue;
        const conditions = node.status?.conditions ?? [];
        if (conditions.some((c) => c.type === 'Ready' && c.status === 'True')) this.onReady(name, false, 'NodeStatusUnknown', 'the local controller did not reconnect after the GM started');
      }
    }, graceMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
  }

  private async setStatus(node: string, status: Record<string, unknown>): Promise<void> {
    await this.client.request('PATCH', `/api/v1/nodes/${node}/status`, { status }, 'application/strategic-merge-patch+json');
  }
}

function readyCondition(ready: boolean, reason: string, message: string, since?: string): NodeCondition {
  const t = now();
  return { type: 'Ready', status: ready ? 'True' : 'False', reason, message, lastHeartbeatTime: t, lastTransitionTime: since ?? t };
}
