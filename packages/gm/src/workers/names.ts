/**
 * Names derived from a job's name, kept within Kubernetes' limits the way Kubernetes controllers keep them: the
 * original's name when it fits, else a truncated prefix and a hash of the whole, so two long names never collide.
 * (A label value and a Service name are at most 63 characters; most object names 253.)
 */
import { createHash } from 'node:crypto';

export const LABEL_VALUE_MAX = 63;
export const DNS_LABEL_MAX = 63;
/** An object name (a DNS-1123 subdomain): Pods, Deployments. */
export const OBJECT_NAME_MAX = 253;

/** `base + suffix` if it fits in `max`, else `<prefix of base>-<10 hex of a hash of base>` + suffix. */
export function fitName(base: string, max: number, suffix = ''): string {
  if (base.length + suffix.length <= max) return base + suffix;
  const hash = createHash('sha256').update(base).digest('hex').slice(0, Math.max(1, Math.min(10, max - suffix.length)));
  const room = Math.max(0, max - suffix.length - hash.length - 1);
  // Names and label values must start and end with an alphanumeric character.
  const prefix = base.slice(0, room).replace(/[^A-Za-z0-9]+$/, '');
  return `${prefix}${prefix ? '-' : ''}${hash}${suffix}`;
}

/** A job's name as a label value (at most 63 characters). */
export function nameLabelValue(name: string): string {
  return fitName(name, LABEL_VALUE_MAX);
}

/** The name of a Service of a job (a DNS-1123 label: at most 63 characters): `<job>-<suffix>` as the original names it. */
export function serviceName(jobName: string, suffix: string): string {
  return fitName(jobName, DNS_LABEL_MAX, `-${suffix}`);
}

/**
 * The name of a worker Pod of a job: `<job>-<role>` or `<job>-<role>-<index>`, fixed, so that a second create of
 * the same worker (a lagging cache, a restarted GM) meets AlreadyExists instead of making a second one
 * (create-owned.ts). A worker replaced under the same name is deleted first and created again once it is gone.
 */
export function workerPodName(ownerName: string, role: string, index?: number | string): string {
  return fitName(ownerName, OBJECT_NAME_MAX, `-${role.toLowerCase()}${index === undefined ? '' : `-${index}`}`);
}
