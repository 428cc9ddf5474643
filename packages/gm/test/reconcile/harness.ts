/**
 * Controllers without processes: an in-memory cache, a recording client whose writes land in that cache, and a
 * channel router whose downstream messages are recorded, so that a table of cases can run `reconcile(key)` and
 * read what it wrote and sent.
 */
import { apiVersionOf, findKind, type KubeObject, NODE_ROLE_LABEL } from '@sedna/api';
import { ChannelRouter } from '../../src/channel/router.js';
import { isObject } from '@sedna/api/runtime';
import { MemoryCache } from '../../src/runtime/cache.js';
import { RecordingClient } from '../../src/runtime/recording-client.js';
import { embeddedAddressing } from '../../src/workers/addressing.js';

export interface SentMessage {
  node: string;
  operation: string;
  kind: string;
  name: string;
  content: Record<string, unknown>;
}

export interface Harness {
  cache: MemoryCache;
  client: RecordingClient;
  router: ChannelRouter;
  sent: SentMessage[];
  addressing: typeof embeddedAddressing;
}

export function harness(objects: readonly KubeObject[]): Harness {
  const cache = new MemoryCache(objects);
  const client = new RecordingClient(cache);
  const router = new ChannelRouter();
  const sent: SentMessage[] = [];
  router.attach({
    send: (node, m) => {
      sent.push({ node, operation: m.header.operation, kind: m.header.resourceKind, name: m.header.resourceName, content: m.content });
      return true;
    },
  });
  return { cache, client, router, sent, addressing: embeddedAddressing };
}

let uid = 0;

/** An object of `kind` as the API server stores it (uid, resourceVersion, generation). */
export function object(kind: string, name: string, body: Record<string, unknown>, meta: Partial<KubeObject['metadata']> = {}): KubeObject {
  const def = findKind(kind);
  if (!def) throw new Error(`unknown kind ${kind}`);
  return {
    apiVersion: apiVersionOf(def),
    kind,
    metadata: { name, ...(def.namespaced ? { namespace: 'default' } : {}), uid: `uid-${name}-${++uid}`, resourceVersion: '1', generation: 1, creationTimestamp: '2026-01-01T00:00:00Z', ...meta },
    ...body,
  };
}

export function node(name: string, options: { role?: 'cloud' | 'edge'; address?: string; ready?: boolean } = {}): KubeObject {
  const { role = 'edge', address = '127.0.0.1', ready = true } = options;
  return object('Node', name, { spec: {}, status: { addresses: [{ type: 'InternalIP', address }], conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] } }, { labels: { [NODE_ROLE_LABEL]: role } });
}

export const model = (name: string, url = `/models/${name}`): KubeObject => object('Model', name, { spec: { url, format: 'onnx' } });
export const dataset = (name: string, nodeName: string): KubeObject => object('Dataset', name, { spec: { url: `/data/${name}.txt`, format: 'txt', nodeName } });

export function template(nodeName: string | undefined, container = 'worker'): { spec: Record<string, unknown> } {
  return { spec: { ...(nodeName ? { nodeName } : {}), containers: [{ name: container, image: `example/${container}:v1` }] } };
}

/** The env of a pod's first container as a map. */
export function envOf(pod: Record<string, unknown>): Record<string, string> {
  const containers = (pod['spec'] as { containers: { env?: { name: string; value?: string }[] }[] }).containers;
  return Object.fromEntries((containers[0]!.env ?? []).map((e) => [e.name, e.value ?? '']));
}

/** What a status patch of the last write to `kind` set. */
export function lastStatus(client: RecordingClient, kind: string): Record<string, unknown> | undefined {
  const patch = client.writes(kind).filter((c) => c.subresource === 'status').at(-1);
  const status = patch?.body?.['status'];
  return isObject(status) ? status : undefined;
}
