/**
 * Reads a worker pod's /metrics in embedded mode, where Prometheus would: through the LC of its node, which serves
 * `/pods/{namespace}/{name}/metrics` on its node API (behind the node token) from the worker's metrics socket.
 */
import http from 'node:http';
import { NODE_API_PORT_LABEL, type KubeObject, type NodeAddress } from '@sedna/api';
import { parseExposition, type Exposition } from '@sedna/metrics';
import type { ResourceInformer } from '../../../runtime/informer.js';

export type ScrapePod = (pod: KubeObject) => Promise<Exposition>;

const SCRAPE_TIMEOUT_MS = 3_000;

export function scrapeThroughNodeApi(nodes: ResourceInformer, nodeToken: string): ScrapePod {
  return async (pod) => {
    const nodeName = (pod['spec'] as { nodeName?: string } | undefined)?.nodeName;
    const node = nodeName ? nodes.get(nodeName) : undefined;
    const host = ((node?.['status'] as { addresses?: NodeAddress[] } | undefined)?.addresses ?? []).find((a) => a.type === 'InternalIP')?.address;
    const port = Number(node?.metadata.labels?.[NODE_API_PORT_LABEL]);
    if (!host || !(port > 0)) throw new Error(`the node ${nodeName ?? '(none)'} of pod ${pod.metadata.name} announces no node API`);
    const path = `/pods/${pod.metadata.namespace}/${pod.metadata.name}/metrics`;
    const body = await new Promise<string>((resolve, reject) => {
      const req = http.get({ host, port, path, headers: { Authorization: `Bearer ${nodeToken}` }, timeout: SCRAPE_TIMEOUT_MS }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => (res.statusCode === 200 ? resolve(text) : reject(new Error(`${path} on ${nodeName}: HTTP ${res.statusCode} ${text.trim().slice(0, 200)}`))));
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error(`${path} on ${nodeName}: no answer within ${SCRAPE_TIMEOUT_MS} ms`)));
      req.on('error', reject);
    });
    return parseExposition(body);
  };
}
