/**
 * Reads a worker pod's /metrics in embedded mode, where Prometheus would: through the LC of its node, which serves
 * `/pods/{namespace}/{name}/metrics` on its node API from the worker's metrics socket. Node APIs speak TLS only and
 * serve the control plane's client identity (a certificate from its CA), as they do for logs.
 */
import https from 'node:https';
import { NODE_API_PORT_LABEL, type NodeAddress } from '@sedna/api';
import { parseExposition, type Exposition } from '@sedna/metrics';
import type { KindReader } from '../../../runtime/cache.js';
import type { ObjectOf } from '../../../runtime/kinds.js';

export type ScrapePod = (pod: ObjectOf<'Pod'>) => Promise<Exposition>;

const SCRAPE_TIMEOUT_MS = 3_000;

/** A client certificate and key from the control plane's CA, and that CA (node APIs' certificates chain to it). */
export interface NodeApiClientIdentity {
  cert: string;
  key: string;
  ca: string;
}

export function scrapeThroughNodeApi(nodes: KindReader<'Node'>, identity: NodeApiClientIdentity | undefined): ScrapePod {
  return async (pod) => {
    if (!identity) throw new Error('the GM has no client certificate for node APIs: start it with --node-api-client-cert and --node-api-client-key');
    const nodeName = pod.spec.nodeName;
    const node = nodeName ? nodes.get(nodeName) : undefined;
    const addresses: NodeAddress[] = node?.status?.addresses ?? [];
    const host = addresses.find((a) => a.type === 'InternalIP')?.address;
    const port = Number(node?.metadata.labels?.[NODE_API_PORT_LABEL]);
    if (!host || !(port > 0)) throw new Error(`the node ${nodeName ?? '(none)'} of pod ${pod.metadata.name} announces no node API`);
    const path = `/pods/${pod.metadata.namespace}/${pod.metadata.name}/metrics`;
    const body = await new Promise<string>((resolve, reject) => {
      // The node API's certificate names its node: check it against that name, not the address.
      const req = https.get({ host, port, path, ...identity, servername: nodeName, timeout: SCRAPE_TIMEOUT_MS }, (res) => {
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
