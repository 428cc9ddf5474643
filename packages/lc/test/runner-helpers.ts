import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { PodStatus } from '@sedna/api';
import type { RunnablePod } from '../src/runner/index.js';

/** Polls `probe` until it returns a value other than undefined/false, or fails after `timeoutMs`. */
export async function waitFor<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

export function tempDir(prefix: string): { dir: string; remove: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), `sedna-${prefix}-`));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

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
