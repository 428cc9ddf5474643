/**
 * SelfSubjectAccessReview (`kubectl auth can-i`) and SelfSubjectReview (`kubectl auth whoami`): answered for the
 * one user the embedded API server has (the bearer token of its kubeconfig, allowed everything), never stored.
 */
import { apiVersionOf, type KindDefinition } from '@sedna/api';
import { errors } from './errors.js';

/** The user the token authenticates, as the kubeconfig names it. */
export const TOKEN_USER = { username: 'sedna-admin', uid: 'sedna-admin', groups: ['system:masters', 'system:authenticated'] };

export function isReviewKind(def: KindDefinition): boolean {
  return def.kind === 'SelfSubjectAccessReview' || def.kind === 'SelfSubjectReview';
}

/** The answer to a review POSTed to `def`. */
export function answerReview(def: KindDefinition, body: unknown): Record<string, unknown> {
  const request = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
  if (request['kind'] !== undefined && request['kind'] !== def.kind) throw errors.badRequest(`the kind in the data (${String(request['kind'])}) does not match ${def.kind}`);
  const base = { apiVersion: apiVersionOf(def), kind: def.kind, metadata: { creationTimestamp: null } };
  if (def.kind === 'SelfSubjectReview') return { ...base, status: { userInfo: TOKEN_USER } };
  return {
    ...base,
    spec: request['spec'] ?? {},
    status: { allowed: true, reason: 'the embedded API server has one user, the holder of its token, allowed every verb on every resource' },
  };
}
