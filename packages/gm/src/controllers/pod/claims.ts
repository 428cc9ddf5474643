/**
 * Embedded mode: a Pod's `persistentVolumeClaim` volumes are resolved to the directory of the bound volume before
 * the Pod goes to its node (the local controller has no API access): the volume gains `hostPath.path`. A claim not
 * bound yet stays unresolved, and the node reports CreateContainerConfigError until it is.
 */
import type { KubeObject } from '@sedna/api';
import type { ResourceInformer } from '../../runtime/informer.js';

interface VolumeView {
  name: string;
  persistentVolumeClaim?: { claimName?: string };
  hostPath?: { path: string };
}

export class ClaimResolver {
  constructor(
    private readonly claims: ResourceInformer,
    private readonly volumes: ResourceInformer,
  ) {}

  /** The pod as its node gets it; unchanged when it uses no claims. */
  resolve(pod: KubeObject): KubeObject {
    const spec = pod['spec'] as { volumes?: VolumeView[] } | undefined;
    if (!spec?.volumes?.some((v) => v.persistentVolumeClaim)) return pod;
    const volumes = spec.volumes.map((v) => {
      const claimName = v.persistentVolumeClaim?.claimName;
      if (!claimName) return v;
      const path = this.pathOf(pod.metadata.namespace ?? '', claimName);
      return path ? { ...v, hostPath: { path } } : v;
    });
    return { ...pod, spec: { ...(pod['spec'] as Record<string, unknown>), volumes } };
  }

  /** What of the resolution the node needs again when it changes. */
  fingerprint(pod: KubeObject): string {
    const volumes = ((this.resolve(pod)['spec'] as { volumes?: VolumeView[] } | undefined)?.volumes ?? []).filter((v) => v.persistentVolumeClaim);
    return volumes.map((v) => `${v.name}=${v.hostPath?.path ?? ''}`).join(',');
  }

  /** Pods that use a claim, for the controller's watch on claims. */
  podsUsing(pods: ResourceInformer, claim: KubeObject): string[] {
    return pods
      .list(claim.metadata.namespace)
      .filter((p) => ((p['spec'] as { volumes?: VolumeView[] } | undefined)?.volumes ?? []).some((v) => v.persistentVolumeClaim?.claimName === claim.metadata.name))
      .map((p) => `${p.metadata.namespace}/${p.metadata.name}`);
  }

  private pathOf(namespace: string, claimName: string): string | undefined {
    const claim = this.claims.get(claimName, namespace);
    const volumeName = (claim?.['spec'] as { volumeName?: string } | undefined)?.volumeName;
    if (!volumeName || (claim?.['status'] as { phase?: string } | undefined)?.phase !== 'Bound') return undefined;
    const pv = this.volumes.get(volumeName)?.['spec'] as { hostPath?: { path?: string }; local?: { path?: string } } | undefined;
    return pv?.hostPath?.path ?? pv?.local?.path;
  }
}
