/**
 * Volumes of embedded pods: there are no mount namespaces, so a `volumeMounts[].mountPath` is made to show the
 * volume's directory on the host: nothing to do when the mount path is that directory (a hostPath mounted at its
 * own path, the common case in Sedna's samples); else a symbolic link at the mount path to the directory, made when
 * the mount path does not exist (an existing different path is a CreateContainerConfigError: the runner does not
 * replace host files). `emptyDir` volumes are a folder of the pod. A claim whose volume is not bound yet (the GM
 * resolves bound claims to `hostPath`) is a CreateContainerConfigError, retried.
 */
import { lstatSync, mkdirSync, readlinkSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import type { Container } from '@sedna/api';
import { ContainerConfigError } from './container-env.js';
import type { RunnablePod } from './pod-ref.js';

interface VolumeView {
  name: string;
  hostPath?: { path: string };
  emptyDir?: unknown;
  persistentVolumeClaim?: { claimName?: string };
}

/** The host directory of each mounted volume, linked at its mount path. */
export function prepareVolumes(pod: RunnablePod, container: Container, podDir: string): void {
  const volumes = ((pod.spec as { volumes?: VolumeView[] }).volumes ?? []) as VolumeView[];
  for (const [index, mount] of (container.volumeMounts ?? []).entries()) {
    const where = `volumeMounts[${index}] (${mount.name})`;
    const volume = volumes.find((v) => v.name === mount.name);
    if (!volume) throw new ContainerConfigError(`${where}: no volume named "${mount.name}" in spec.volumes`);
    let source: string;
    if (volume.hostPath?.path) source = volume.hostPath.path;
    else if (volume.emptyDir !== undefined) source = path.join(podDir, 'volumes', volume.name);
    else if (volume.persistentVolumeClaim) throw new ContainerConfigError(`${where}: persistentvolumeclaim "${volume.persistentVolumeClaim.claimName ?? ''}" is not bound yet`);
    else throw new ContainerConfigError(`${where}: volume "${volume.name}" is of a type the embedded runner does not mount (hostPath, emptyDir and persistentVolumeClaim are)`);
    mkdirSync(source, { recursive: true });
    const target = String(mount.mountPath);
    if (path.resolve(target) === path.resolve(source)) continue;
    let existing;
    try {
      existing = lstatSync(target);
    } catch {
      mkdirSync(path.dirname(target), { recursive: true });
      symlinkSync(source, target);
      continue;
    }
    if (existing.isSymbolicLink() && path.resolve(path.dirname(target), readlinkSync(target)) === path.resolve(source)) continue;
    throw new ContainerConfigError(`${where}: mountPath ${target} already exists on this node and is not volume "${volume.name}" (${source}); embedded pods share the host's file system`);
  }
}
