/**
 * Runs controllers: the builder that turns a controller's declaration into informers and mappings, one shared
 * informer per kind, one work queue per controller, start and stop. No controller reconciles before every
 * informer has its first list: a GM restarted among thousands of Pods must not read an empty Pod cache and conclude
 * that a running worker is gone.
 */
import type * as k8s from '@kubernetes/client-node';
import type { ControllerMetrics } from '@sedna/metrics';
import { apiVersionOf, findKind } from '@sedna/api';
import { Logger as StructuredLogger, TerminalError, WorkQueue, type LogSink, type WorkQueueOptions } from '@sedna/api/runtime';
import { type KindReader, ScopedCache, type ObjectCache } from './cache.js';
import { type ControllerDeclaration, declaredKinds, ownerKeys, type Reconciler, self } from './controller.js';
import { createInformer, type ResourceInformer } from './informer.js';
import type { AnyObject, KindName } from './kinds.js';

/** Where the GM's log lines go: a level and a formatted line (`[gm] message key=value ...`). */
export type Logger = LogSink;

interface Running {
  declaration: ControllerDeclaration;
  queue: WorkQueue;
}

export class ControllerManager {
  private readonly informers = new Map<string, ResourceInformer>();
  private readonly controllers = new Map<string, Running>();
  private metrics: ControllerMetrics | undefined;
  private started = false;
  readonly log: StructuredLogger;

  constructor(
    readonly kc: k8s.KubeConfig,
    log: StructuredLogger | LogSink = new StructuredLogger('gm'),
    private readonly queueOptions: WorkQueueOptions = {},
    /** The embedded API server's local socket, where the informers list and watch when given. */
    private readonly apiSocket?: string,
  ) {
    this.log = log instanceof StructuredLogger ? log : new StructuredLogger('gm', log);
  }

  /** The shared cache of one kind (by Kind name, e.g. 'Pod', 'Dataset'), for what is not a controller. */
  informer(kind: string): ResourceInformer {
    let informer = this.informers.get(kind);
    if (!informer) {
      if (this.started) throw new Error(`the informer of ${kind} is asked after the manager started: declare it before start()`);
      const def = findKind(kind);
      if (!def) throw new Error(`unknown kind ${kind}`);
      informer = createInformer(this.kc, { apiVersion: apiVersionOf(def), kind: def.kind, plural: def.plural }, { log: (m) => this.log.warn(m), ...(this.apiSocket !== undefined ? { apiSocket: this.apiSocket } : {}) });
      this.informers.set(kind, informer);
    }
    return informer;
  }

  /** A typed reader of one kind's shared cache, for what is not a controller (the autoscaler's node lookup). */
  reader<K extends KindName>(kind: K): KindReader<K> {
    return new ScopedCache(`reader of ${kind}`, new Map([[kind, this.informer(kind)]])).of(kind);
  }

  /** A cache of exactly the kinds `declaration` reads. */
  cacheFor(declaration: ControllerDeclaration): ObjectCache {
    return new ScopedCache(declaration.name, new Map(declaredKinds(declaration).map((kind) => [kind, this.informer(kind)])));
  }

  /** Measures every reconcile of the controllers added from now on, and reports queue depths (GM /metrics). */
  instrument(metrics: ControllerMetrics): void {
    this.metrics = metrics;
  }

  /** Keys waiting in each controller's queue. */
  queueDepths(): Map<string, number> {
    return new Map([...this.controllers].map(([name, c]) => [name, c.queue.length]));
  }

  /**
   * The builder: derives the informers and mappings of `declaration`, makes the controller with its scoped cache,
   * and queues its keys on every change (held until start() has synced every informer).
   */
  add<R extends Reconciler>(declaration: ControllerDeclaration, make: (cache: ObjectCache) => R): R {
    if (this.controllers.has(declaration.name)) throw new Error(`a controller named ${declaration.name} is already added`);
    const cache = this.cacheFor(declaration);
    const controller = make(cache);
    const log = this.log.with({ controller: declaration.name });
    const reconcile = this.metrics ? timed(declaration.name, controller, this.metrics) : (key: string) => controller.reconcile(key);
    const queue = new WorkQueue(reconcile, { ...this.queueOptions, paused: !this.started, name: declaration.name }, (key, err, retry) => {
      const why = err instanceof Error ? err.message : String(err);
      if (retry === undefined) log.error(`reconcile failed for good (${err instanceof TerminalError ? 'terminal' : 'error'}): ${why}`, { key });
      else log.warn(`reconcile failed, retrying in ${retry} ms: ${why}`, { key });
    });
    this.controllers.set(declaration.name, { declaration, queue });
    const on = (kind: KindName, map: (obj: AnyObject) => string[], updated?: (old: AnyObject, obj: AnyObject) => boolean) =>
      this.informer(kind).onChange((type, obj, old) => {
        if (type === 'update' && old && updated && !updated(old as AnyObject, obj as AnyObject)) return;
        for (const key of new Set([...map(obj as AnyObject), ...(old ? map(old as AnyObject) : [])])) queue.add(key);
      });
    const filter = declaration.forFilter;
    on(declaration.for, filter ? (obj) => (filter(obj) ? self(obj) : []) : self, declaration.forUpdated);
    for (const kind of declaration.owns ?? []) on(kind, ownerKeys(declaration.for));
    for (const w of declaration.watches ?? []) on(w.kind, (obj) => w.map(obj, cache));
    return controller;
  }

  /** Queues a key for a controller directly (for example after a message from a local controller). */
  enqueue(controllerName: string, key: string): void {
    this.controllers.get(controllerName)?.queue.add(key);
  }

  /** Starts every informer, waits for their first lists, then lets the controllers reconcile. */
  async start(): Promise<void> {
    this.started = true;
    for (const informer of this.informers.values()) informer.start();
    await Promise.all([...this.informers.values()].map((i) => i.synced()));
    this.log.info(`caches synced: ${[...this.informers.keys()].join(', ')}`);
    for (const { queue } of this.controllers.values()) queue.resume();
  }

  /** Resolves when every controller's queue is empty and idle (tests use it). */
  async idle(): Promise<void> {
    await Promise.all([...this.controllers.values()].map((c) => c.queue.idle()));
  }

  async stop(): Promise<void> {
    for (const { queue } of this.controllers.values()) queue.stop();
    await Promise.all([...this.informers.values()].map((i) => i.stop()));
  }
}

function timed(name: string, controller: Reconciler, metrics: ControllerMetrics): Reconciler['reconcile'] {
  // Resolved once per controller: a reconcile adds to its series without hashing labels.
  const success = metrics.reconcileDuration.of({ controller: name, result: 'success' });
  const error = metrics.reconcileDuration.of({ controller: name, result: 'error' });
  return async (key) => {
    const started = performance.now();
    let series = error;
    try {
      const out = await controller.reconcile(key);
      series = success;
      return out;
    } finally {
      series.observe((performance.now() - started) / 1000);
    }
  };
}
