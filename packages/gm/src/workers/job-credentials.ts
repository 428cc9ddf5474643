/**
 * The per-job credential every worker gets (SEDNA_JOB_CREDENTIAL, see @sedna/api/guard job-credential.ts), made with
 * the GM's secret (GM configuration `jobCredentialSecret`); and the job's uid (SEDNA_JOB_UID), by which workers key
 * what they keep across restarts (checkpoints), so that a job created again under the same name starts fresh.
 */
import type { KubeObject } from '@sedna/api';
import { jobCredential } from '@sedna/api/guard';

let secret = '';

/** Set once by the GM at start; without a secret workers get no credential (services then accept no writes). */
export function configureJobCredentials(value: string): void {
  secret = value;
}

export function credentialFor(owner: KubeObject): string | undefined {
  const { namespace, name, uid } = owner.metadata;
  if (secret === '' || !namespace || !name || !uid) return undefined;
  return jobCredential(secret, { namespace, name, uid });
}
