/**
 * What every paradigm that runs as a real job on the simulated control plane does around its own objects: apply
 * them with kubectl (the `sedna` command's), keep the manifest in the case folder, follow the job to an end,
 * delete everything afterwards, and read the bytes on the emulated links over the job's lifetime.
 */
import { spawnSync } from 'node:child_process';
import { findKind } from '@sedna/api';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import type { SimulationTarget } from '../cases/spec.js';
import type { ParadigmContext } from '../paradigms/types.js';
import { getJson, readKubeconfig, sednaMain, type Kubeconfig } from './cluster.js';
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

/** A condition of a job's status; stage jobs (incremental, lifelong learning) carry `stage` and `data`. */
export interface JobCondition {
  type: string;
  stage?: string;
  reason?: string;
  message?: string;
  /** Stage jobs: the stage's input and output as JSON text. */
  data?: string;
}

export interface JobStatus {
  phase?: string;
  conditions?: JobCondition[];
  /** Any other status field of the kind (a LifelongLearningJob's knowledgeBase, ...). */
  [field: string]: unknown;
}

const kubeconfigs = new Map<string, Kubeconfig>();

/**
 * A job's status (`kind` as users write it, e.g. LifelongLearningJob), read from the API server directly: jobs are
 * polled twice a second, and a kubectl process per poll kept a core of the small machine busy.
 */
export async function jobStatus(sim: SimulationTarget, kind: string, name: string): Promise<JobStatus> {
  const def = findKind(kind);
  if (!def) throw new Error(`${kind} is not a kind of the API`);
  let kc = kubeconfigs.get(sim.kubeconfig);
  if (!kc) kubeconfigs.set(sim.kubeconfig, (kc = readKubeconfig(sim.kubeconfig)));
  const object = (await getJson(kc, `/apis/${def.group}/${def.version}/namespaces/default/${def.plural}/${encodeURIComponent(name)}`)) as { status?: JobStatus };
  return object.status ?? {};
}

/**
 * Follows a stage job (IncrementalLearningJob, LifelongLearningJob) round by round. The GM keeps a bounded history
 * of conditions (the last 32, and older ones only as the latest of each stage and type), so rounds are told by
 * `status.round` and by the order of the latest Train/Ready and Deploy/Completed, never by counting conditions.
 */
export class StageJobFollower {
  /** Conditions already seen (by what they say, not their heartbeat): earlier rounds' are not news. */
  private readonly known = new Set<string>();

  constructor(
    private readonly ctx: ParadigmContext,
    /** The kind as users write it, e.g. LifelongLearningJob. */
    private readonly kind: string,
    private readonly name: string,
  ) {}

  /** Takes the conditions there are now as known, and returns the job's round: call it before starting the next. */
  async settle(): Promise<number> {
    const { conditions, round } = await this.conditions();
    for (const c of conditions) this.known.add(conditionKey(c));
    return round;
  }

  /**
   * Waits until the job's round `round` (its status.round) ended, and returns that round's Deploy/Completed
   * condition. Every new condition goes to the case's log (progress); a new Failed one ends the wait with its stage
   * and message (the job itself would go back to Train and wait for more samples); after `timeoutMinutes` the error
   * names the stage the job was in.
   */
  async roundEnded(round: number, timeoutMinutes: number): Promise<JobCondition> {
    const deadline = Date.now() + timeoutMinutes * 60_000;
    for (;;) {
      const { conditions, round: current } = await this.conditions();
      for (const c of conditions) {
        const key = conditionKey(c);
        if (this.known.has(key)) continue;
        this.known.add(key);
        this.ctx.log(`${this.kind} ${this.name}: round ${current}: ${c.stage ?? ''}/${c.type}${c.message ? `: ${c.message}` : ''}`);
        if (c.type === 'Failed') throw new Error(`the ${this.kind}'s ${c.stage} stage failed in round ${current}: ${c.message ?? c.reason ?? 'no message'}`);
      }
      const lastReady = lastIndex(conditions, (c) => c.stage === 'Train' && c.type === 'Ready');
      const lastDeploy = lastIndex(conditions, (c) => c.stage === 'Deploy' && c.type === 'Completed');
      if (current >= round && lastDeploy > lastReady) return conditions[lastDeploy] as JobCondition;
      if (Date.now() > deadline) {
        const last = conditions.at(-1);
        const where = last ? `in its ${last.stage} stage (${last.stage}/${last.type}${last.message ? `: ${last.message}` : ''})` : 'before its first stage';
        throw new Error(`the ${this.kind}'s round ${round} did not end within ${timeoutMinutes} minutes: it was waiting ${where}, round ${current}`);
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  }

  /** The job's status as the API has it now. */
  status(): Promise<JobStatus> {
    return jobStatus(simulationOf(this.ctx), this.kind, this.name);
  }

  private async conditions(): Promise<{ conditions: JobCondition[]; round: number }> {
    const status = await this.status();
    const conditions = status.conditions ?? [];
    const round = typeof status.round === 'number' ? status.round : conditions.filter((c) => c.stage === 'Train' && c.type === 'Ready').length;
    return { conditions, round };
  }
}

/** Whether a round's Deploy/Completed deployed (the LC says why not: a deploy trigger that said no, no index). */
export function roundDeployment(ended: JobCondition): { deployed: boolean; reason?: string } {
  const info = JSON.parse(ended.data ?? '{}') as { output?: { ownerInfo?: { deployed?: boolean; reason?: string } } };
  const ownerInfo = info.output?.ownerInfo;
  return ownerInfo?.deployed === false ? { deployed: false, reason: ownerInfo.reason ?? 'no reason given' } : { deployed: true };
}

function conditionKey(c: JobCondition & { lastTransitionTime?: string }): string {
  return JSON.stringify([c.stage, c.type, c.reason, c.message, c.data, c.lastTransitionTime]);
}

function lastIndex<T>(list: readonly T[], test: (item: T) => boolean): number {
  for (let i = list.length - 1; i >= 0; i--) if (test(list[i] as T)) return i;
  return -1;
}

/** Follows a job kind with status.phase until Succeeded (returns) or Failed (throws with the last condition). */
export async function waitForSucceeded(ctx: ParadigmContext, kind: string, name: string, timeoutMinutes = 30): Promise<void> {
  const sim = simulationOf(ctx);
  const deadline = Date.now() + timeoutMinutes * 60_000;
  for (;;) {
    const status = await jobStatus(sim, kind, name);
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
