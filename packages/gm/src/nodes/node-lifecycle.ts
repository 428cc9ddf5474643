/**
 * Nodes register themselves: a local controller's hello creates or updates its Node object (labels such as the
 * edge or cloud role, addresses) and marks it Ready; heartbeats stopping mark it NotReady. Nodes that do not come
 * back after a GM restart are marked NotReady once the grace period has passed. On a real cluster the kubelet owns
 * the Node and its status: the hello only adds the LC's labels to a Node that exists.
 */
import type { KubeObject, NodeCondition, NodeHello } from '@sedna/api';
import { isNotFound, type KubeClient } from '../runtime/client.js';

export const ROLE_LABEL = 'sedna.io/role';

function now(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export class NodeLifecycle {
  private readonly seen = new Set<string>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly client: KubeClient,
    private readonly log: (msg: string) => void,
    /** Embedded mode: the GM creates Nodes and writes their Ready condition (false: a kubelet does). */
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
    const status = { addresses: hello.addresses, conditions: [ready], nodeInfo: { kubeletVersion: `sedna-lc/${hello.version}` } };
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
  }

  onReady(node: string, ready: boolean, reason: string, message: string): void {
    this.seen.add(node);
    if (!this.ownsNodes) {
      this.log(`the local controller of node ${node} is ${ready ? 'connected' : 'gone'} (${reason})`);
      return;
    }
    void this.setStatus(node, { conditions: [readyCondition(ready, reason, message)] }).catch((err: unknown) => this.log(`node ${node}: cannot record readiness: ${(err as Error).message}`));
    this.log(`node ${node} is ${ready ? 'Ready' : 'NotReady'} (${reason})`);
  }

  /** After a GM start, nodes that stay away for the grace period are NotReady. */
  watchForAbsentNodes(list: () => KubeObject[], graceMs: number): void {
    if (!this.ownsNodes) return;
    this.timer = setTimeout(() => {
      for (const node of list()) {
        const name = node.metadata.name!;
        if (this.seen.has(name)) continue;
        const conditions = ((node['status'] as { conditions?: NodeCondition[] } | undefined)?.conditions ?? []);
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

function readyCondition(ready: boolean, reason: string, message: string): NodeCondition {
  const t = now();
  return { type: 'Ready', status: ready ? 'True' : 'False', reason, message, lastHeartbeatTime: t, lastTransitionTime: t };
}
