/**
 * Leader election on a coordination.k8s.io/v1 Lease, as client-go's leaderelection (used by controller-runtime):
 * every candidate tries to take or renew the Lease each retry period; a Lease held by another is free once it has
 * not changed for leaseDuration as *observed locally* (no trust in other hosts' clocks); the leader that cannot
 * renew within renewDeadline stops leading. Updates carry the resourceVersion, so two candidates never both win.
 * A leader that stops cleanly releases the Lease (holder emptied), and a follower takes it at its next retry.
 */
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { KubeObject, LeaseSpec } from '@sedna/api';
import { isConflict, isNotFound, type KubeClient } from '../runtime/client.js';

export interface LeaseElectorOptions {
  namespace: string;
  name: string;
  /** This candidate; default `<hostname>_<uuid>` as client-go. */
  identity?: string;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
  /** Annotations the leader writes on the Lease (e.g. where it serves), read by followers. */
  leaderAnnotations?: Record<string, string>;
  log?: (msg: string) => void;
}

export interface LeaseElectorHooks {
  onStartedLeading(): void;
  /** Leadership was lost (renewal failed past the deadline, or another took the Lease). Not called on stop(). */
  onStoppedLeading(): void;
  /** The observed holder changed (undefined: nobody holds it). */
  onNewLeader?(identity: string | undefined, annotations: Record<string, string>): void;
}

export function checkElectionTimings(o: { leaseDurationMs: number; renewDeadlineMs: number; retryPeriodMs: number }): void {
  // client-go's rules: a leader must give up before others may take over, and retry several times before that.
  if (!(o.retryPeriodMs > 0)) throw new RangeError('leaderElection.retryPeriodSeconds must be positive');
  if (!(o.renewDeadlineMs > o.retryPeriodMs * 1.2)) throw new RangeError('leaderElection.renewDeadlineSeconds must be more than 1.2 x retryPeriodSeconds');
  if (!(o.leaseDurationMs > o.renewDeadlineMs)) throw new RangeError('leaderElection.leaseDurationSeconds must be more than renewDeadlineSeconds');
}

/** Lease times are MicroTime: RFC 3339 with six fractional digits. */
function microTime(ms = Date.now()): string {
  return new Date(ms).toISOString().replace(/Z$/, '000Z');
}

export class LeaseElector {
  readonly identity: string;
  private leading = false;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private lastRenewedAt = 0;
  /** The last record seen and when it was first seen here. */
  private observed: { key: string; at: number; holder: string | undefined } | undefined;
  private current: KubeObject | undefined;
  private readonly path: string;
  private readonly log: (msg: string) => void;

  constructor(
    private readonly client: KubeClient,
    private readonly options: LeaseElectorOptions,
    private readonly hooks: LeaseElectorHooks,
  ) {
    checkElectionTimings(options);
    this.identity = options.identity ?? `${hostname()}_${randomUUID()}`;
    this.path = `/apis/coordination.k8s.io/v1/namespaces/${options.namespace}/leases`;
    this.log = options.log ?? ((m) => console.error(`[gm/leader] ${m}`));
  }

  get isLeader(): boolean {
    return this.leading;
  }

  start(): void {
    this.log(`${this.identity} is a candidate for Lease ${this.options.namespace}/${this.options.name}`);
    void this.tick();
  }

  /** Stops campaigning; a leader releases the Lease so that a follower takes over at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    if (!this.leading || !this.current) return;
    this.leading = false;
    const spec = this.current['spec'] as LeaseSpec;
    try {
      await this.client.request('PUT', `${this.path}/${this.options.name}`, {
        ...this.current,
        spec: { ...spec, holderIdentity: '', leaseDurationSeconds: 1, renewTime: microTime() },
      });
      this.log('released the Lease');
    } catch (err) {
      this.log(`could not release the Lease (others take it when it expires): ${(err as Error).message}`);
    }
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    let acquired = false;
    try {
      acquired = await this.tryAcquireOrRenew();
    } catch (err) {
      this.log(`cannot reach the Lease: ${(err as Error).message}`);
    }
    if (this.stopped) return;
    const now = Date.now();
    if (acquired) {
      this.lastRenewedAt = now;
      if (!this.leading) {
        this.leading = true;
        this.log(`${this.identity} leads`);
        this.hooks.onStartedLeading();
      }
    } else if (this.leading && (now - this.lastRenewedAt > this.options.renewDeadlineMs || this.observed?.holder !== this.identity)) {
      this.leading = false;
      this.log(`${this.identity} lost the Lease`);
      this.hooks.onStoppedLeading();
    }
    this.timer = setTimeout(() => void this.tick(), this.options.retryPeriodMs);
    this.timer.unref();
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const now = Date.now();
    let lease: KubeObject | undefined;
    try {
      lease = await this.client.request<KubeObject>('GET', `${this.path}/${this.options.name}`);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    const leaseDurationSeconds = Math.ceil(this.options.leaseDurationMs / 1000);
    const annotations = this.options.leaderAnnotations ?? {};
    if (!lease) {
      const body = {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name: this.options.name, namespace: this.options.namespace, annotations },
        spec: { holderIdentity: this.identity, leaseDurationSeconds, acquireTime: microTime(now), renewTime: microTime(now), leaseTransitions: 0 },
      };
      try {
        this.current = await this.client.request<KubeObject>('POST', this.path, body);
      } catch (err) {
        if (isConflict(err)) return false; // AlreadyExists: another candidate created it first
        throw err;
      }
      this.observe(this.current);
      return true;
    }
    this.observe(lease);
    const spec = (lease['spec'] ?? {}) as LeaseSpec;
    const holder = spec.holderIdentity || undefined;
    const expiredAt = this.observed!.at + (spec.leaseDurationSeconds ?? leaseDurationSeconds) * 1000;
    if (holder !== undefined && holder !== this.identity && now < expiredAt) return false;
    const taking = holder !== this.identity;
    const next = {
      ...lease,
      metadata: { ...lease.metadata, annotations: { ...(lease.metadata.annotations ?? {}), ...annotations } },
      spec: {
        ...spec,
        holderIdentity: this.identity,
        leaseDurationSeconds,
        renewTime: microTime(now),
        ...(taking ? { acquireTime: microTime(now), leaseTransitions: (spec.leaseTransitions ?? 0) + 1 } : {}),
      },
    };
    try {
      this.current = await this.client.request<KubeObject>('PUT', `${this.path}/${this.options.name}`, next);
    } catch (err) {
      if (isConflict(err)) return false; // another candidate wrote first; look again next period
      throw err;
    }
    this.observe(this.current);
    return true;
  }

  private observe(lease: KubeObject): void {
    const spec = (lease['spec'] ?? {}) as LeaseSpec;
    const holder = spec.holderIdentity || undefined;
    const key = `${holder ?? ''}|${spec.renewTime ?? ''}|${spec.leaseDurationSeconds ?? ''}`;
    if (this.observed?.key === key) return;
    const previousHolder = this.observed?.holder;
    this.observed = { key, at: Date.now(), holder };
    if (previousHolder !== holder) this.hooks.onNewLeader?.(holder, lease.metadata.annotations ?? {});
  }
}
