/** Runs controllers: shared informers per kind, a work queue per controller, start and stop. */
import type * as k8s from '@kubernetes/client-node';
import type { ControllerMetrics } from '@sedna/metrics';
import { apiVersionOf, findKind } from '@sedna/api';
import type { Controller } from './controller.js';
import { createInformer, type ResourceInformer } from './informer.js';
import { WorkQueue, type WorkQueueOptions } from './workqueue.js';

export type Logger = (level: 'info' | 'warn' | 'error', msg: string) => void;

export class ControllerManager {
  private readonly informers = new Map<string, ResourceInformer>();
  private readonly queues = new Map<string, WorkQueue>();
  private readonly controllers: Controller[] = [];
  private metrics: ControllerMetrics | undefined;

  constructor(
    readonly kc: k8s.KubeConfig,
    private readonly log: Logger = (level, msg) => console[level === 'info' ? 'log' : level](`[gm] ${msg}`),
    private readonly queueOptions: WorkQueueOptions = {},
  ) {}

  /** The shared cache of one kind (by Kind name, e.g. 'Pod', 'Dataset'). */
  informer(kind: string): ResourceInformer {
    let informer = this.informers.get(kind);
    if (!informer) {
      const def = findKind(kind);
      if (!def) throw new Error(`unknown kind ${kind}`);
      informer = createInformer(this.kc, { apiVersion: apiVersionOf(def), kind: def.kind, plural: def.plural }, { log: (m) => this.log('warn', m) });
      this.informers.set(kind, informer);
    }
    return informer;
  }

  /** Measures every reconcile of the controllers added from now on, and reports queue depths (GM /metrics). */
  instrument(metrics: ControllerMetrics): void {
    this.metrics = metrics;
  }

  /** Keys waiting in each controller's queue. */
  queueDepths(): Map<string, number> {
    return new Map([...this.queues].map(([name, q]) => [name, q.length]));
  }

  add(controller: Controller): void {
    this.controllers.push(controller);
    const reconcile = this.metrics ? timed(controller, this.metrics) : (key: string) => controller.reconcile(key);
    const queue = new WorkQueue(reconcile, this.queueOptions, (key, err, retry) => {
      this.log('warn', `${controller.name}: reconcile ${key} failed, retrying in ${retry} ms: ${err instanceof Error ? err.message : String(err)}`);
    });
    this.queues.set(controller.name, queue);
    for (const watched of controller.watches()) {
      watched.informer.onChange((_type, obj, old) => {
        const keys = new Set([...watched.map(obj), ...(old ? watched.map(old) : [])]);
        for (const key of keys) queue.add(key);
      });
    }
  }

  /** Queues a key for a controller directly (for example after a message from a local controller). */
  enqueue(controllerName: string, key: string): void {
    this.queues.get(controllerName)?.add(key);
  }

  async start(): Promise<void> {
    for (const informer of this.informers.values()) informer.start();
    await Promise.all([...this.informers.values()].map((i) => i.synced()));
    this.log('info', `caches synced: ${[...this.informers.keys()].join(', ')}`);
  }

  /** Resolves when every controller's queue is empty and idle (tests use it). */
  async idle(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.idle()));
  }

  async stop(): Promise<void> {
    for (const q of this.queues.values()) q.stop();
    await Promise.all([...this.informers.values()].map((i) => i.stop()));
  }
}

function timed(controller: Controller, metrics: ControllerMetrics): (key: string) => ReturnType<Controller['reconcile']> {
  return async (key) => {
    const started = process.hrtime.bigint();
    let result = 'error';
    try {
      const out = await controller.reconcile(key);
      result = 'success';
      return out;
    } finally {
      metrics.reconcileDuration.observe({ controller: controller.name, result }, Number(process.hrtime.bigint() - started) / 1e9);
    }
  };
}
