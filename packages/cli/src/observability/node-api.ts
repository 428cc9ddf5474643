/** Where a node's local controller serves its node API (logs, metrics, log search), from its Node object. */
import type { KubeObject } from '@sedna/api';
import { NODE_API_PORT_LABEL } from '@sedna/lc';

export function nodeApiAddress(node: KubeObject): { host: string; port: number } | undefined {
  const host = ((node['status'] as { addresses?: { type: string; address: string }[] } | undefined)?.addresses ?? []).find((a) => a.type === 'InternalIP')?.address;
  const port = Number(node.metadata.labels?.[NODE_API_PORT_LABEL]);
  return host && port > 0 ? { host, port } : undefined;
}
