/**
 * Embedded mode's Pods on this node: run as processes by the runner, stopped when deleted or being deleted (then
 * the GM is told the process stopped, so that it completes the deletion). A pod that could not start (a full disk,
 * a folder it could not make) is tried again with backoff, with the latest spec the GM sent, until it starts or is
 * deleted: the shared work queue's rate-limited retries.
 */
import { type DownstreamMessage, messageKey } from '@sedna/api';
import { WorkQueue } from '@sedna/api/runtime';
import { isDiskFull } from '../../diskpressure/index.js';
import { asRunnablePod, type RunnablePod } from '../../runner/index.js';
import type { LcFeatureContext, LcManager } from '../feature.js';

export class PodManager implements LcManager {
  private readonly retries: WorkQueue;

  constructor(private readonly ctx: LcFeatureContext & { runner: NonNullable<LcFeatureContext['runner']> }) {
    this.retries = new WorkQueue((key) => this.retry(key), { baseDelayMs: 1000, maxDelayMs: 60_000, name: 'pods' }, (key, err, retryInMs) => this.failed(key, err, retryInMs));
  }

  async apply(message: DownstreamMessage): Promise<void> {
    const { runner } = this.ctx;
    const { namespace, resourceName } = message.header;
    const key = `${namespace}/${resourceName}`;
    if (message.header.operation === 'delete') {
      this.retries.forget(key);
      await runner.stop(key);
      return;
    }
    const pod: RunnablePod = asRunnablePod(message.content);
    if (pod.metadata.deletionTimestamp) {
      this.retries.forget(key);
      await runner.stop({ namespace, name: resourceName, uid: pod.metadata.uid }, { gracePeriodSeconds: pod.metadata.deletionGracePeriodSeconds ?? 30 });
      const status = runner.get({ namespace, name: resourceName, uid: pod.metadata.uid })?.status ?? { phase: 'Failed' };
      this.ctx.upstream('pod', namespace, resourceName, { uid: pod.metadata.uid, status: status as unknown as Record<string, unknown>, stopped: true });
      return;
    }
    this.retries.forget(key);
    try {
      await this.start(pod);
    } catch (err) {
      this.failed(key, err, this.retries.addRateLimited(key));
    }
  }

  private async start(pod: RunnablePod): Promise<void> {
    const { runner } = this.ctx;
    if (runner.get({ namespace: pod.metadata.namespace, name: pod.metadata.name, uid: pod.metadata.uid })) await runner.update(pod);
    else await runner.run(pod);
  }

  /** A retry: the latest spec the GM sent, unless the pod was deleted meanwhile. */
  private async retry(key: string): Promise<void> {
    const [namespace = '', name = ''] = key.split('/');
    const latest = this.ctx.latest(messageKey({ resourceKind: 'pod', namespace, resourceName: name }));
    if (!latest || latest.header.operation === 'delete') return;
    await this.start(asRunnablePod(latest.content));
  }

  private failed(key: string, err: unknown, retryInMs: number | undefined): void {
    if (isDiskFull(err)) this.ctx.disk.writeFailed(err);
    const attempt = this.retries.failuresOf(key);
    this.ctx.log(`pod ${key} could not start (${(err as Error).message}); ${retryInMs === undefined ? 'not trying again' : `trying again in ${retryInMs / 1000} s (attempt ${attempt + 1})`}`);
  }

  close(): void {
    this.retries.stop();
  }
}
