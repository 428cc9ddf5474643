/**
 * Watch-backed caches over @kubernetes/client-node's ListWatch, restarted with backoff when the watch fails (the
 * API server restarting, a network cut), so that controllers see the same objects against the embedded API server
 * and a real cluster.
 */
import * as k8s from '@kubernetes/client-node';
import type { KubeObject } from '@sedna/api';
import { KubeClient } from './client.js';
import { SocketWatch } from './socket-watch.js';

export type ObjectHandler = (type: 'add' | 'update' | 'delete', obj: KubeObject, old?: KubeObject) => void;

export interface ResourceInformer {
  readonly path: string;
  get(name: string, namespace?: string): KubeObject | undefined;
  list(namespace?: string): KubeObject[];
  onChange(handler: ObjectHandler): void;
  /** Resolves once the first list is in the cache. */
  synced(): Promise<void>;
  start(): void;
  stop(): Promise<void>;
}

/** The REST path of a kind's collection (all namespaces). */
export function collectionPath(apiVersion: string, plural: string): string {
  return apiVersion.includes('/') ? `/apis/${apiVersion}/${plural}` : `/api/${apiVersion}/${plural}`;
}

export interface InformerTarget {
  apiVersion: string;
  kind: string;
  plural: string;
}

// The client's typed models turn timestamps into Dates; our objects stay plain JSON, read raw.
type WatchedObject = KubeObject & k8s.KubernetesObject;

export interface InformerOptions {
  labelSelector?: string;
  namespace?: string;
  log?: (msg: string) => void;
  /** The embedded API server's local socket: list and watch there (plain HTTP) instead of the kubeconfig's server. */
  apiSocket?: string;
}

export function createInformer(kc: k8s.KubeConfig, target: InformerTarget, options: InformerOptions = {}): ResourceInformer {
  const handlers: ObjectHandler[] = [];
  // One namespace when given: a Role in that namespace is then enough (the GM's Secrets and Lease on a cluster).
  const all = collectionPath(target.apiVersion, target.plural);
  const path = options.namespace ? all.replace(new RegExp(`/${target.plural}$`), `/namespaces/${options.namespace}/${target.plural}`) : all;
  const client = new KubeClient(kc, options.apiSocket !== undefined ? { socketPath: options.apiSocket } : {});
  const list = () => client.request<k8s.KubernetesListObject<WatchedObject>>('GET', path + (options.labelSelector ? `?labelSelector=${encodeURIComponent(options.labelSelector)}` : ''));
  const watch = options.apiSocket !== undefined ? (new SocketWatch(kc, options.apiSocket) as unknown as k8s.Watch) : new k8s.Watch(kc);
  const lw = new k8s.ListWatch<WatchedObject>(path, watch, list, false, options.labelSelector);
  const previous = new Map<string, KubeObject>();
  const keyOf = (o: KubeObject) => `${o.metadata.namespace ?? ''}/${o.metadata.name ?? ''}`;
  let resolveSynced: () => void;
  const syncedPromise = new Promise<void>((r) => (resolveSynced = r));
  let stopped = false;
  let failures = 0;
  let restartTimer: NodeJS.Timeout | undefined;

  const emit = (type: 'add' | 'update' | 'delete', obj: KubeObject): void => {
    const key = keyOf(obj);
    const old = previous.get(key);
    if (type === 'delete') previous.delete(key);
    else previous.set(key, obj);
    for (const h of handlers) h(type, obj, old);
  };
  lw.on('add', (o) => emit('add', o as KubeObject));
  lw.on('update', (o) => emit('update', o as KubeObject));
  lw.on('delete', (o) => emit('delete', o as KubeObject));
  lw.on('connect', () => {
    failures = 0;
  });
  lw.on('error', (err: unknown) => {
    if (stopped) return;
    failures++;
    const delay = Math.min(5000, 100 * 2 ** Math.min(failures, 6));
    options.log?.(`watch ${path} failed (${err instanceof Error ? err.message : String(err)}); retrying in ${delay} ms`);
    restartTimer = setTimeout(() => void lw.start().then(() => resolveSynced()).catch(() => undefined), delay);
  });

  return {
    path,
    get: (name, namespace) => lw.get(name, namespace) as KubeObject | undefined,
    list: (namespace) => [...lw.list(namespace)],
    onChange: (h) => void handlers.push(h),
    synced: () => syncedPromise,
    start: () => {
      stopped = false;
      void lw.start().then(() => resolveSynced()).catch(() => undefined);
    },
    stop: async () => {
      stopped = true;
      if (restartTimer) clearTimeout(restartTimer);
      await lw.stop();
      client.close();
    },
  };
}
