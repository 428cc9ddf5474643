/**
 * The worker machinery every feature controller uses (the original's runtime/worker.go): Pods named and labelled
 * after their job, owned by it, with the Sedna environment appended to every container; and how workers reach the
 * local controller and cloud services in each mode.
 */
import { createHash, randomBytes } from 'node:crypto';
import { apiVersionOf, findKind, type EnvVar, type KubeObject, type OwnerReference, type PodTemplateSpec } from '@sedna/api';
import type { NewObjectOf, ObjectOf } from '../runtime/kinds.js';
import { nameLabelValue } from './names.js';
import { JOB_CREDENTIAL_ENV, JOB_UID_ENV } from '@sedna/api/guard';
import { credentialFor } from './job-credentials.js';

import { SPEC_HASH_ANNOTATION } from '@sedna/api';
import { WORKER_ENV, type WorkerEnv } from '@sedna/api/contracts';
export { SPEC_HASH_ANNOTATION };

/** `jointinferenceservice.sedna.io/`: the label prefix of a kind's workers. */
export function labelPrefix(kind: string): string {
  return `${kind.toLowerCase()}.sedna.io/`;
}

export function workerLabels(owner: KubeObject, workerType: string): Record<string, string> {
  const p = labelPrefix(owner.kind);
  return { [`${p}name`]: nameLabelValue(owner.metadata.name!), [`${p}uid`]: owner.metadata.uid!, [`${p}worker-type`]: workerType.toLowerCase() };
}

/** Label selector of all workers of one job, or of one worker type. */
export function workerSelector(owner: KubeObject, workerType?: string): string {
  const p = labelPrefix(owner.kind);
  return `${p}uid=${owner.metadata.uid}${workerType ? `,${p}worker-type=${workerType.toLowerCase()}` : ''}`;
}

export function isWorkerOf(pod: KubeObject, owner: KubeObject, workerType?: string): boolean {
  const p = labelPrefix(owner.kind);
  const labels = pod.metadata.labels ?? {};
  return labels[`${p}uid`] === owner.metadata.uid && (!workerType || labels[`${p}worker-type`] === workerType.toLowerCase());
}

export function controllerRef(owner: KubeObject): OwnerReference {
  const def = findKind(owner.kind)!;
  return { apiVersion: apiVersionOf(def), kind: owner.kind, name: owner.metadata.name!, uid: owner.metadata.uid!, controller: true, blockOwnerDeletion: true };
}

/** A stable digest of what a worker is made from: a change means the running worker is out of date. */
export function specHash(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 16);
}

export interface WorkerPodSpec {
  owner: KubeObject;
  workerType: string;
  template: PodTemplateSpec;
  /** Sedna's environment, appended to every container after the template's own. */
  env: WorkerEnv;
  /** Variables read from the pod's own fields (`status.podIP`), Kubernetes' downward API, appended the same way. */
  fieldEnv?: Record<string, string>;
  restartPolicy?: 'Always' | 'OnFailure' | 'Never';
  /** What the worker is made from, hashed into an annotation. */
  hashOf: unknown;
  /**
   * A fixed name (stableWorker) instead of a generated one: a second create of the same worker, by a GM restarted
   * before its cache saw the first, is refused as AlreadyExists instead of making a second worker.
   */
  name?: string;
}

/**
 * The Pod name and WORKER_NAME of a worker that must exist once: derived from the job's uid and what makes this
 * worker (its stage and round, or its spec), never random.
 */
export function stableWorker(owner: KubeObject, workerType: string, identity: unknown): { podName: string; workerName: string } {
  const suffix = specHash({ uid: owner.metadata.uid, identity }).slice(0, 5);
  return { podName: `${owner.metadata.name}-${workerType.toLowerCase()}-${suffix}`, workerName: `${workerType.toLowerCase()}worker-${suffix}` };
}

/** The environment every worker gets besides its feature's: the job's uid and credential (job-credentials.ts). */
function commonEnv(owner: KubeObject): Record<string, string> {
  const credential = credentialFor(owner);
  return { ...(owner.metadata.uid ? { [JOB_UID_ENV]: owner.metadata.uid } : {}), ...(credential ? { [JOB_CREDENTIAL_ENV]: credential } : {}) };
}

export function buildWorkerPod(spec: WorkerPodSpec): NewObjectOf<'Pod'> {
  const { owner, workerType, template } = spec;
  const env = { ...commonEnv(owner), ...spec.env };
  const fieldEnv = spec.fieldEnv ?? {};
  const sednaEnv: EnvVar[] = [
    ...Object.entries(env).map(([name, value]) => ({ name, value })),
    ...Object.entries(fieldEnv).map(([name, fieldPath]) => ({ name, valueFrom: { fieldRef: { fieldPath } } })),
  ];
  const ours = (name: string): boolean => name in env || name in fieldEnv;
  const podSpec = structuredClone(template.spec);
  podSpec.containers = podSpec.containers.map((c) => ({ ...c, env: [...(c.env ?? []).filter((e) => !ours(e.name)), ...sednaEnv] }));
  if (spec.restartPolicy && !template.spec.restartPolicy) podSpec.restartPolicy = spec.restartPolicy;
  return {
    metadata: {
      ...(spec.name ? { name: spec.name } : { generateName: `${owner.metadata.name}-${workerType.toLowerCase()}-` }),
      namespace: owner.metadata.namespace,
      labels: { ...(template.metadata?.labels ?? {}), ...workerLabels(owner, workerType) },
      annotations: { ...scrapeAnnotations(template.spec.containers[0]?.env), ...(template.metadata?.annotations ?? {}), [SPEC_HASH_ANNOTATION]: specHash(spec.hashOf) },
      ownerReferences: [controllerRef(owner)],
    },
    spec: podSpec,
  };
}

/**
 * A worker whose template sets SEDNA_METRICS_ADDRESS (HOST:PORT, where the lib serves its metrics without a token)
 * gets the conventional scrape annotations, so a Prometheus with pod discovery finds it without a ServiceMonitor
 * (deploy/prometheus). The template's own annotations win.
 */
export function scrapeAnnotations(env: readonly EnvVar[] | undefined): Record<string, string> {
  const address = env?.find((e) => e.name === WORKER_ENV.SEDNA_METRICS_ADDRESS)?.value;
  const port = address ? /:(\d+)$/.exec(address)?.[1] : undefined;
  return port ? { 'prometheus.io/scrape': 'true', 'prometheus.io/port': port, 'prometheus.io/path': '/metrics' } : {};
}

/** The original's WORKER_NAME: `<type>worker-<5 random chars>`. */
export function workerName(workerType: string): string {
  const chars = 'bcdfghjklmnpqrstvwxz2456789';
  const bytes = randomBytes(5);
  return `${workerType.toLowerCase()}worker-${[...bytes].map((b) => chars[b % chars.length]).join('')}`;
}

export function podPhase(pod: ObjectOf<'Pod'>): string {
  return pod.status?.phase ?? 'Pending';
}

export function isActive(pod: ObjectOf<'Pod'>): boolean {
  const phase = podPhase(pod);
  return !pod.metadata.deletionTimestamp && (phase === 'Pending' || phase === 'Running');
}
