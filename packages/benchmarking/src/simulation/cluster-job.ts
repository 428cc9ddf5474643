/**
 * What every paradigm that runs as a real job on the simulated control plane does around its own objects: apply
 * them with kubectl (the `sedna` command's), keep the manifest in the case folder, follow the job to an end,
 * delete everything afterwards, and read the bytes on the emulated links over the job's lifetime.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import type { SimulationTarget } from '../cases/spec.js';
import type { ParadigmContext } from '../paradigms/types.js';
import { sednaMain } from './cluster.js';
import { linkBytes } from './links.js';

/** The worker programs of simulated jobs (always the built JavaScript: they run as the nodes' pod processes). */
export const WORKERS = fileURLToPath(new URL('../../dist/simulation/workers/', import.meta.url));

export function simulationOf(ctx: ParadigmContext): SimulationTarget {
  const sim = ctx.spec.simulation;
  if (!sim) throw new Error('this paradigm runs on the simulated control plane only under simulation');
  return sim;
}

export function kubectl(sim: SimulationTarget, args: string[], input?: string): string {
  const r = spawnSync(process.execPath, [sednaMain(), ...args, '--kubeconfig', sim.kubeconfig], { input, encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`kubectl ${args.join(' ')}: ${(r.stderr || r.stdout || String(r.error)).trim()}`);
  return r.stdout;
}

/** A worker container running one of WORKERS with the case file and the given env (undefined values left out). */
export function workerContainer(ctx: ParadigmContext, program: string, values: Record<string, unknown>): Record<string, unknown> {
  const env = Object.entries({ CASE_SPEC: join(ctx.spec.outputDir, 'case.json'), ...values })
    .filter(([, v]) => v !== undefined)
    .map(([name, v]) => ({ name, value: typeof v === 'string' ? v : JSON.stringify(v) }));
  return { name: 'worker', image: 'sedna-benchmark-worker:ts', command: [process.execPath, join(WORKERS, program)], workingDir: ctx.spec.outputDir, env };
}

export interface AppliedObjects {
  /** Bytes on each emulated link since apply (empty without links). */
  linkBytesSince(): Record<string, number>;
  /** Deletes every object (errors are logged: the control plane is torn down after the job anyway). */
  remove(): void;
}

/** Applies the objects (kept in `<case>/simulation-job.yaml`). */
export function applyObjects(ctx: ParadigmContext, objects: readonly Record<string, unknown>[]): AppliedObjects {
  const sim = simulationOf(ctx);
  const manifest = objects.map((o) => stringify(o)).join('---\n');
  writeFileSync(join(ctx.spec.outputDir, 'simulation-job.yaml'), manifest);
  const before = new Map(sim.links.map((l) => [l.node, linkBytes(l)]));
  kubectl(sim, ['apply', '-f', '-'], manifest);
  return {
    linkBytesSince: () =>
      Object.fromEntries(
        sim.links.map((l) => {
          const now = linkBytes(l);
          const then = before.get(l.node) ?? { toEdge: 0, fromEdge: 0 };
          return [l.node, now.toEdge - then.toEdge + now.fromEdge - then.fromEdge];
        }),
      ),
    remove: () => {
      try {
        kubectl(sim, ['delete', '--ignore-not-found', '-f', '-'], manifest);
      } catch (err) {
        ctx.log(`cleaning up the job: ${(err as Error).message}`);
      }
    },
  };
}

interface JobStatus {
  phase?: string;
  conditions?: { type: string; message?: string; reason?: string }[];
}

export function jobStatus(sim: SimulationTarget, kind: string, name: string): JobStatus {
  return (JSON.parse(kubectl(sim, ['get', kind, name, '-o', 'json'])) as { status?: JobStatus }).status ?? {};
}

/** Follows a job kind with status.phase until Succeeded (returns) or Failed (throws with the last condition). */
export async function waitForSucceeded(ctx: ParadigmContext, kind: string, name: string, timeoutMinutes = 30): Promise<void> {
  const sim = simulationOf(ctx);
  const deadline = Date.now() + timeoutMinutes * 60_000;
  for (;;) {
    const status = jobStatus(sim, kind, name);
    if (status.phase === 'Succeeded') return;
    if (status.phase === 'Failed') throw new Error(`the ${kind} failed: ${status.conditions?.at(-1)?.message ?? 'no message'}`);
    if (Date.now() > deadline) throw new Error(`the ${kind} did not finish within ${timeoutMinutes} minutes (phase ${status.phase ?? 'unknown'})`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/**
 * Waits for a file a worker writes when it is done (services have no end phase), or for its `<file>.error` (the
 * worker's own failure message), at most `timeoutMinutes` (workers/result-file.ts writes them).
 */
export async function waitForWorkerFile<T>(file: string, what: string, timeoutMinutes = 30): Promise<T> {
  const deadline = Date.now() + timeoutMinutes * 60_000;
  for (;;) {
    if (existsSync(`${file}.error`)) throw new Error(`${what} failed: ${readFileSync(`${file}.error`, 'utf8').trim()}`);
    if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as T;
    if (Date.now() > deadline) throw new Error(`${what} wrote no ${file} within ${timeoutMinutes} minutes`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
