/** Bootstrap tokens (`sedna token create`): made, stored as a Secret, and checked at a node's bootstrap. */
import { randomInt, timingSafeEqual } from 'node:crypto';
import {
  BOOTSTRAP_TOKEN_PATTERN,
  BOOTSTRAP_TOKEN_SECRET_PREFIX,
  BOOTSTRAP_TOKEN_SECRET_TYPE,
  CREDENTIAL_LABEL,
  type KubeObject,
} from '@sedna/api';
import type { NewObjectOf } from '../runtime/kinds.js';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

function randomString(length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += ALPHABET[randomInt(ALPHABET.length)];
  return out;
}

export function newBootstrapToken(): string {
  return `${randomString(6)}.${randomString(16)}`;
}

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
const unb64 = (text: string | undefined) => (text === undefined ? undefined : Buffer.from(text, 'base64').toString('utf8'));

/** The Secret that makes `token` valid until `expires`. */
export function bootstrapTokenSecret(token: string, namespace: string, expires: Date, description = ''): NewObjectOf<'Secret'> {
  const m = BOOTSTRAP_TOKEN_PATTERN.exec(token);
  if (!m) throw new Error('a bootstrap token is <6 of [a-z0-9]>.<16 of [a-z0-9]>');
  return {
    metadata: { name: `${BOOTSTRAP_TOKEN_SECRET_PREFIX}${m[1]}`, namespace, labels: { [CREDENTIAL_LABEL]: 'bootstrap' } },
    type: BOOTSTRAP_TOKEN_SECRET_TYPE,
    data: { 'token-id': b64(m[1]!), 'token-secret': b64(m[2]!), expiration: b64(expires.toISOString()), ...(description ? { description: b64(description) } : {}) },
  };
}

export type BootstrapVerdict = { ok: true; id: string } | { ok: false; message: string };

/** Checks a presented bootstrap token against its Secret (looked up by id), in constant time, and its expiry. */
export function checkBootstrapToken(token: string, secretFor: (name: string) => KubeObject | undefined, now = new Date()): BootstrapVerdict {
  const m = BOOTSTRAP_TOKEN_PATTERN.exec(token);
  if (!m) return { ok: false, message: 'not a bootstrap token' };
  const secret = secretFor(`${BOOTSTRAP_TOKEN_SECRET_PREFIX}${m[1]}`);
  if (!secret || secret['type'] !== BOOTSTRAP_TOKEN_SECRET_TYPE) return { ok: false, message: 'unknown bootstrap token' };
  const data = (secret['data'] ?? {}) as Record<string, string>;
  const expected = Buffer.from(unb64(data['token-secret']) ?? '');
  const given = Buffer.from(m[2]!);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return { ok: false, message: 'unknown bootstrap token' };
  const expiration = unb64(data['expiration']);
  if (expiration && !(Date.parse(expiration) > now.getTime())) return { ok: false, message: `bootstrap token ${m[1]} expired at ${expiration}` };
  return { ok: true, id: m[1]! };
}
