import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { RunnablePod } from './pod-ref.js';
import type { ContainerLifecycle, Termination } from './lifecycle.js';

/**
 * What the runner keeps on disk for each pod, next to its logs, so that a restarted local controller picks up
 * where the previous one stopped: `pod.json` (the pod as last received) and `state.json` (the runtime state).
 * Written synchronously through a temporary file and a rename: the files are small, and a crash can then never
 * leave a half-written state behind.
 */
export interface PersistedPodState {
  version: 1;
  /** When the runner accepted the pod (status.startTime). */
  startTime: string;
  restartCount: number;
  /** Delay before the next restart, doubled after each one. */
  nextBackoffMs: number;
  /** The previous run's end, shown as `lastState` while the container runs again. */
  lastTermination?: Termination;
  lifecycle: ContainerLifecycle;
}

const POD_FILE = 'pod.json';
const STATE_FILE = 'state.json';

export function savePod(podDir: string, pod: RunnablePod): void {
  writeAtomically(path.join(podDir, POD_FILE), JSON.stringify(pod));
}

export function saveState(podDir: string, state: PersistedPodState): void {
  writeAtomically(path.join(podDir, STATE_FILE), JSON.stringify(state));
}

/** Reads a pod folder back; throws an Error naming the file when it is missing or not what the runner wrote. */
export function loadPodFolder(podDir: string): { pod: RunnablePod; state: PersistedPodState | undefined } {
  const pod = readJson(path.join(podDir, POD_FILE)) as RunnablePod;
  let state: PersistedPodState | undefined;
  try {
    state = readJson(path.join(podDir, STATE_FILE)) as PersistedPodState;
  } catch (error) {
    // The LC can die between writing pod.json and state.json: the pod was accepted but never started.
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  if (state !== undefined && (state.version !== 1 || typeof state.lifecycle?.kind !== 'string')) {
    throw new Error(`${path.join(podDir, STATE_FILE)}: not a runner state file (version ${String(state.version)})`);
  }
  return { pod, state };
}

function readJson(file: string): unknown {
  const text = readFileSync(file, 'utf8');
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Error(`${file}: invalid JSON (${(error as Error).message})`, { cause: error });
  }
}

function writeAtomically(file: string, text: string): void {
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const temporary = `${file}.tmp`;
  writeFileSync(temporary, text, { mode: 0o600 }); // it holds the pod with its environment (secrets)
  renameSync(temporary, file);
}
