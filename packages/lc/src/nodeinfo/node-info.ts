/**
 * What a kubelet reports about its host, read from this machine: `status.nodeInfo` with every standard field, and
 * `capacity`/`allocatable` (cpu, memory, pods). The local controller sends them in its hello; the GM writes them
 * into the Node, so clients that expect them (the Python client's `list_node()`, `kubectl describe node`) work.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';

export interface NodeFacts {
  nodeInfo: Record<string, string>;
  capacity: Record<string, string>;
}

/** Pods a node takes (a kubelet's default maxPods). */
const MAX_PODS = 110;

function readTrimmed(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

/** PRETTY_NAME of /etc/os-release, as a kubelet reports osImage. */
function osImage(): string {
  const text = readTrimmed('/etc/os-release') ?? '';
  const m = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(text);
  return m?.[1] ?? `${os.type()} ${os.release()}`;
}

/** Go's GOARCH names, which Kubernetes uses. */
function goArch(arch: string): string {
  return ({ x64: 'amd64', ia32: '386', arm64: 'arm64', arm: 'arm' } as Record<string, string>)[arch] ?? arch;
}

export function nodeFacts(lcVersion: string): NodeFacts {
  const machineID = readTrimmed('/etc/machine-id') ?? readTrimmed('/var/lib/dbus/machine-id') ?? '';
  return {
    nodeInfo: {
      architecture: goArch(process.arch),
      operatingSystem: process.platform,
      osImage: osImage(),
      kernelVersion: os.release(),
      // No container runtime: workers are processes under the local controller.
      containerRuntimeVersion: `sedna-process://${lcVersion}`,
      kubeletVersion: `v1.35.0-sedna-lc.${lcVersion}`,
      kubeProxyVersion: '',
      bootID: readTrimmed('/proc/sys/kernel/random/boot_id') ?? '',
      machineID,
      // The DMI product UUID is readable by root only on most hosts; a kubelet then reports what it can.
      systemUUID: readTrimmed('/sys/class/dmi/id/product_uuid') ?? machineID,
    },
    capacity: {
      cpu: String(os.cpus().length),
      memory: `${Math.floor(os.totalmem() / 1024)}Ki`,
      pods: String(MAX_PODS),
      'ephemeral-storage': '0',
    },
  };
}
