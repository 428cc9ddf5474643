import { readFileSync } from 'node:fs';
import type { PodStatus } from '@sedna/api';
import type { RunnablePod } from '../src/runner/index.js';
import { tempFolder } from '../../../test-kit/index.js';

export { waitFor } from '../../../test-kit/index.js';

export const tempDir = (prefix: string): { dir: string; remove: () => void } => tempFolder(`sedna-${prefix}-`);

let uidCounter = 0;
export function uid(): string {
  uidCounter += 1;
  return `0000-${process.pid}-${Date.now().toString(36)}-${uidCounter}`;
}

/** A pod running `node -e <script>` with the test's own node binary. */
export function nodePod(name: string, script: string, spec: Partial<RunnablePod['spec']> = {}, container: Record<string, unknown> = {}): RunnablePod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', uid: uid() },
    spec: {
      nodeName: 'edge-1',
      ...spec,
      containers: [{ name: 'worker', image: 'example/worker:1', command: [process.execPath, '-e', script], ...container }],
    },
  };
}

/** Records every status the runner reports, per pod name. */
export class StatusLog {
  readonly entries: { name: string; uid: string; status: PodStatus }[] = [];
  readonly onStatus = (pod: RunnablePod, status: PodStatus): void => {
    this.entries.push({ name: pod.metadata.name, uid: pod.metadata.uid, status: structuredClone(status) });
  };
  of(name: string): PodStatus[] {
    return this.entries.filter((entry) => entry.name === name).map((entry) => entry.status);
  }
  latest(name: string): PodStatus | undefined {
    return this.of(name).at(-1);
  }
}

/** True while `pid` is a live (non-zombie) process. */
export function processAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}
