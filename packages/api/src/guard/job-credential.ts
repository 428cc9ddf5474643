/**
 * Per-job credentials: the GM gives every worker of a job `SEDNA_JOB_CREDENTIAL` (as the original gives other
 * settings, through the environment). Services the job's workers call check it: the knowledge base (shared by every
 * lifelong learning job) verifies it with the control plane's secret; the aggregation server (one per job) compares
 * it with its own. It is an HMAC of the job's namespace, name and uid, so a job deleted and created again under the
 * same name gets another one.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { WORKER_ENV } from '../contracts/worker-env.js';

export const JOB_CREDENTIAL_ENV = WORKER_ENV.SEDNA_JOB_CREDENTIAL;
/**
 * The job's uid, which the GM gives every worker too: what a worker keeps across restarts (the aggregator's
 * checkpoint) is keyed by it, so that a job deleted and created again under the same name starts fresh.
 */
export const JOB_UID_ENV = WORKER_ENV.SEDNA_JOB_UID;

export interface JobIdentity {
  namespace: string;
  name: string;
  uid: string;
}

const PREFIX = 'sj1';

function mac(secret: string, job: JobIdentity): string {
  return createHmac('sha256', secret).update(`${job.namespace}\n${job.name}\n${job.uid}`).digest('base64url');
}

/** `sj1.<namespace>.<name>.<uid>.<hmac>` (namespace and name are DNS labels and subdomains: no dot in a namespace). */
export function jobCredential(secret: string, job: JobIdentity): string {
  if (secret === '') throw new Error('jobCredential: the secret is empty');
  return [PREFIX, job.namespace, Buffer.from(job.name).toString('base64url'), job.uid, mac(secret, job)].join('.');
}

/** The job a credential was made for, when it was made with `secret`; undefined otherwise. */
export function verifyJobCredential(secret: string, credential: string): JobIdentity | undefined {
  const parts = credential.split('.');
  if (parts.length !== 5 || parts[0] !== PREFIX) return undefined;
  const job = { namespace: parts[1]!, name: Buffer.from(parts[2]!, 'base64url').toString('utf8'), uid: parts[3]! };
  const expected = Buffer.from(mac(secret, job));
  const given = Buffer.from(parts[4]!);
  return expected.length === given.length && timingSafeEqual(expected, given) ? job : undefined;
}

/** Constant-time equality of two credentials (the aggregation server checks callers against its own). */
export function sameCredential(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The bearer token of an Authorization header, or undefined. */
export function bearerToken(header: string | string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  const match = /^Bearer +(\S+)\s*$/i.exec(value ?? '');
  return match?.[1];
}
