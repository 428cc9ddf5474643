/**
 * Embedded storage, as a cluster's PV controller and a local-path provisioner together: a PersistentVolumeClaim
 * binds to an Available PersistentVolume that fits (storage class, access modes, capacity), else to a new one
 * provisioned as a directory under `<data-dir>/volumes/` (hostPath). Deleting the claim releases the volume; a
 * provisioned one (reclaim policy Delete) goes with its directory. Workers see a bound claim at its `mountPath`
 * (the local controller links it there, see packages/lc/src/runner/volumes.ts).
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { findKind, quantityValue, type KubeObject } from '@sedna/api';
import type { ChangeEvent, Store } from '../storage/store.js';
import type { Registry } from './registry.js';

const PVC = '/persistentvolumeclaims';
const PV = '/persistentvolumes';
export const PROVISIONED_BY = 'pv.kubernetes.io/provisioned-by';
const PROVISIONER = 'sedna.io/local-path';

interface ClaimSpec {
  accessModes?: string[];
  resources?: { requests?: Record<string, string | number> };
  storageClassName?: string;
  volumeName?: string;
}
interface VolumeSpec {
  capacity?: Record<string, string | number>;
  accessModes?: string[];
  storageClassName?: string;
  claimRef?: { namespace?: string; name?: string; uid?: string };
  hostPath?: { path: string };
  persistentVolumeReclaimPolicy?: string;
}

export class VolumeBinder {
  private unsubscribe?: () => void;
  private scheduled = false;

  constructor(
    private readonly store: Store,
    private readonly registry: Registry,
    private readonly volumesDir: string,
  ) {}

  start(): void {
    this.unsubscribe = this.store.subscribe((e) => this.onChange(e));
    this.schedule();
  }

  stop(): void {
    this.unsubscribe?.();
  }

  private onChange(e: ChangeEvent): void {
    if (e.resource === PVC && e.type === 'DELETED') this.release(e.object);
    if (e.resource === PVC || e.resource === PV) this.schedule();
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      try {
        this.bindPending();
      } catch (err) {
        console.error(`apiserver: volume binder: ${(err as Error).message}`);
      }
    });
  }

  private bindPending(): void {
    for (const { object: claim } of this.store.list(PVC)) {
      if (claim.metadata.deletionTimestamp || (claim['status'] as { phase?: string } | undefined)?.phase === 'Bound') continue;
      const volume = this.findVolume(claim) ?? this.provision(claim);
      this.bind(claim, volume);
    }
  }

  private findVolume(claim: KubeObject): KubeObject | undefined {
    const spec = claim['spec'] as ClaimSpec;
    const wanted = quantityValue(spec.resources?.requests?.['storage']);
    return this.store
      .list(PV)
      .map((s) => s.object)
      .find((pv) => {
        const v = pv['spec'] as VolumeSpec;
        if (spec.volumeName) return pv.metadata.name === spec.volumeName && (!v.claimRef || v.claimRef.uid === claim.metadata.uid);
        if (v.claimRef || (pv['status'] as { phase?: string } | undefined)?.phase !== 'Available') return false;
        if ((v.storageClassName ?? '') !== (spec.storageClassName ?? '')) return false;
        if (!(spec.accessModes ?? []).every((m) => (v.accessModes ?? []).includes(m))) return false;
        return quantityValue(v.capacity?.['storage']) >= wanted;
      });
  }

  /** A new volume for the claim: a directory of its own under the data dir. */
  private provision(claim: KubeObject): KubeObject {
    const spec = claim['spec'] as ClaimSpec;
    const name = `pvc-${claim.metadata.uid}`;
    const path = join(this.volumesDir, name);
    mkdirSync(path, { recursive: true });
    return this.registry.create(findKind('PersistentVolume')!, '', {
      metadata: { name, annotations: { [PROVISIONED_BY]: PROVISIONER } },
      spec: {
        capacity: { storage: spec.resources?.requests?.['storage'] ?? '0' },
        accessModes: spec.accessModes ?? ['ReadWriteOnce'],
        hostPath: { path },
        persistentVolumeReclaimPolicy: 'Delete',
        ...(spec.storageClassName ? { storageClassName: spec.storageClassName } : {}),
      },
    }).object;
  }

  private bind(claim: KubeObject, volume: KubeObject): void {
    const v = volume['spec'] as VolumeSpec;
    const claimRef = { kind: 'PersistentVolumeClaim', apiVersion: 'v1', namespace: claim.metadata.namespace, name: claim.metadata.name, uid: claim.metadata.uid };
    this.store.put(PV, { ...volume, spec: { ...v, claimRef }, status: { phase: 'Bound' } }, 'MODIFIED');
    const current = this.store.get(PVC, claim.metadata.namespace ?? '', claim.metadata.name!)?.object ?? claim;
    this.store.put(
      PVC,
      {
        ...current,
        metadata: { ...current.metadata, annotations: { ...(current.metadata.annotations ?? {}), 'pv.kubernetes.io/bind-completed': 'yes' } },
        spec: { ...(current['spec'] as ClaimSpec), volumeName: volume.metadata.name },
        status: { phase: 'Bound', accessModes: v.accessModes ?? [], capacity: v.capacity ?? {} },
      },
      'MODIFIED',
    );
  }

  /** The claim is gone: its volume is released, or deleted with its directory if it was provisioned for it. */
  private release(claim: KubeObject): void {
    for (const { object: pv } of this.store.list(PV)) {
      const v = pv['spec'] as VolumeSpec;
      if (v.claimRef?.uid !== claim.metadata.uid) continue;
      if (v.persistentVolumeReclaimPolicy === 'Delete' && pv.metadata.annotations?.[PROVISIONED_BY] === PROVISIONER) {
        this.store.remove(PV, '', pv.metadata.name!);
        if (v.hostPath?.path.startsWith(this.volumesDir)) rmSync(v.hostPath.path, { recursive: true, force: true });
      } else {
        this.store.put(PV, { ...pv, status: { phase: 'Released' } }, 'MODIFIED');
      }
    }
  }
}
