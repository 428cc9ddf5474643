/**
 * What flows over the GM-LC channel, per feature: downstream contributors say which objects a node should hold
 * (used for the full resync after each hello), upstream handlers apply what local controllers report, by kind.
 */
import type { DownstreamMessage, KubeObject, UpstreamMessage } from '@sedna/api';

export type ResyncContributor = (node: string) => DownstreamMessage[];
export type UpstreamHandler = (node: string, message: UpstreamMessage) => Promise<void>;

export interface DownstreamSender {
  send(node: string, message: DownstreamMessage): boolean;
}

export class ChannelRouter {
  private readonly contributors: ResyncContributor[] = [];
  private readonly handlers = new Map<string, UpstreamHandler>();
  private sender: DownstreamSender | undefined;

  attach(sender: DownstreamSender): void {
    this.sender = sender;
  }

  addResyncContributor(contributor: ResyncContributor): void {
    this.contributors.push(contributor);
  }

  handleUpstream(kind: string, handler: UpstreamHandler): void {
    this.handlers.set(kind, handler);
  }

  resyncFor(node: string): DownstreamMessage[] {
    return this.contributors.flatMap((c) => c(node));
  }

  async upstream(node: string, message: UpstreamMessage): Promise<void> {
    const handler = this.handlers.get(message.header.resourceKind);
    if (!handler) throw new Error(`no upstream handler for kind ${JSON.stringify(message.header.resourceKind)} (known: ${[...this.handlers.keys()].join(', ')})`);
    await handler(node, message);
  }

  send(node: string, operation: DownstreamMessage['header']['operation'], obj: KubeObject): void {
    this.sender?.send(node, objectMessage(operation, obj));
  }
}

export function objectMessage(operation: DownstreamMessage['header']['operation'], obj: KubeObject): DownstreamMessage {
  return {
    header: { namespace: obj.metadata.namespace ?? '', resourceKind: obj.kind.toLowerCase(), resourceName: obj.metadata.name ?? '', operation },
    content: obj,
  };
}
