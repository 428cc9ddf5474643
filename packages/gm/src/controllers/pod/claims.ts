/**
 * Embedded mode: a Pod's `persistentVolumeClaim` volumes are resolved to the directory of the bound volume before
 * the Pod goes to its node (the local controller has no API access): the volume gains `hostPath.path`. A claim not
 * bound yet stays unresolved, and the node reports CreateContainerConfigError until it is.
 */
import type { ObjectOf } from '../../runtime/kinds.js';
import type { KindReader, ObjectCache } from '../../runtime/cache.js';
import { keyOf, type ObjectKey, type Watch, watch } from '../../runtime/controller.js';

type Pod = ObjectOf<'Pod'>;

function usesClaim(pod: Pod, namespace: string | undefined, claimName: string | undefined): boolean {
  return pod.metadata.namespace === namespace && (pod.spec.volumes ?? []).some((v) => v.persistentVolumeClaim?.claimName === claimName);
}

/** What the pod controller watches for the resolution: claims, and the volumes they bind. */
export const claimWatches: readonly Watch[] = [
  watch('PersistentVolumeClaim', (claim, cache): ObjectKey[] => podsUsing(cache, claim.metadata.namespace, claim.metadata.name)),
  watch('PersistentVolume', (volume, cache): ObjectKey[] =>
    cache
      .list('PersistentVolumeClaim')
      .filter((c) => c.spec.volumeName === volume.metadata.name)
      .flatMap((c) => podsUsing(cache, c.metadata.namespace, c.metadata.name)),
  ),
];

function podsUsing(cache: ObjectCache, namespace: string | undefined, claimName: string | undefined): ObjectKey[] {
  return cache
    .list('Pod', namespace)
    .filter((p) => usesClaim(p, namespace, claimName))
    .map(keyOf);
}

export class ClaimResolver {
  private readonly claims: KindReader<'PersistentVolumeClaim'>;
  private readonly volumes: KindReader<'PersistentVolume'>;

  /** `cache`: the pod controller's, watching claims and volumes (claimWatches). */
  constructor(cache: ObjectCache) {
    this.claims = cache.of('PersistentVolumeClaim');
    this.volumes = cache.of('PersistentVolume');
  }

  /** The pod as its node gets it; unchanged when it uses no claims. */
  resolve(pod: Pod): Pod {
    const spec = pod.spec;
    if (!spec.volumes?.some((v) => v.persistentVolumeClaim)) return pod;
    const volumes = spec.volumes.map((v) => {
      const claimName = v.persistentVolumeClaim?.claimName;
      if (!claimName) return v;
      const path = this.pathOf(pod.metadata.namespace ?? '', claimName);
      return path ? { ...v, hostPath: { path } } : v;
    });
    return { ...pod, spec: { ...spec, volumes } };
  }

  /** What of the resolution the node needs again when it changes. */
  fingerprint(pod: Pod): string {
    const volumes = (this.resolve(pod).spec.volumes ?? []).filter((v) => v.persistentVolumeClaim);
    return volumes.map((v) => `${v.name}=${v.hostPath?.path ?? ''}`).join(',');
  }

  private pathOf(namespace: string, claimName: string): string | undefined {
    const claim = this.claims.get(claimName, namespace);
    const volumeName = claim?.spec.volumeName;
    if (!volumeName || claim.status?.phase !== 'Bound') return undefined;
    const pv = this.volumes.get(volumeName)?.spec;
    return pv?.hostPath?.path ?? pv?.local?.path;
  }
}
