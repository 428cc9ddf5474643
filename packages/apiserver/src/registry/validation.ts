/** Turns a request body into a valid stored object, or a Kubernetes error naming every bad field. */
import {
  apiVersionOf,
  checkDns1123Label,
  checkDns1123Subdomain,
  type FieldError,
  type KindDefinition,
  type KubeObject,
  ObjectMetaSchema,
  ValidationContext,
} from '@sedna/api';
import { ApiError, errors } from '../http/errors.js';

/** Kubernetes' `fieldValidation` query parameter: what to do with fields the schema does not know. */
export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

export interface ValidatedObject {
  object: KubeObject;
  /** Unknown fields dropped under Warn, sent back as `Warning` headers. */
  warnings: string[];
}

const MAX_ANNOTATIONS_BYTES = 256 * 1024;

export function validateObject(def: KindDefinition, raw: Record<string, unknown>, fieldValidation: FieldValidation): ValidatedObject {
  const name = typeof (raw['metadata'] as Record<string, unknown> | undefined)?.['name'] === 'string' ? String((raw['metadata'] as Record<string, unknown>)['name']) : '';
  const ctx = new ValidationContext(fieldValidation === 'Strict' ? 'reject' : 'prune');
  // Under Warn we still need to know what was dropped, so check twice only when there is something unknown.
  const metadata = ObjectMetaSchema.check(raw['metadata'] ?? {}, 'metadata', ctx);
  const { apiVersion: _a, kind: _k, metadata: _m, ...rest } = raw;
  const body = def.body.check(rest, '', ctx);
  const fieldErrors: FieldError[] = [...ctx.errors];
  if (metadata) fieldErrors.push(...checkMetadata(def, metadata));

  let warnings: string[] = [];
  if (fieldValidation === 'Warn') {
    const probe = new ValidationContext('reject');
    ObjectMetaSchema.check(raw['metadata'] ?? {}, 'metadata', probe);
    def.body.check(rest, '', probe);
    warnings = probe.unknownFields.map((f) => `unknown field "${f}"`);
  }
  if (ctx.unknownFields.length > 0) {
    throw new ApiError(400, 'BadRequest', `strict decoding error: ${ctx.unknownFields.map((f) => `unknown field "${f}"`).join(', ')}`, {
      name,
      group: def.group,
      kind: def.kind,
      causes: ctx.unknownFields.map((field) => ({ reason: 'FieldValueInvalid', message: 'unknown field', field })),
    });
  }
  if (fieldErrors.length > 0) throw errors.invalid(def.kind, def.group, name, fieldErrors);
  return { object: { apiVersion: apiVersionOf(def), kind: def.kind, metadata: metadata!, ...(body as Record<string, unknown>) }, warnings };
}

function checkMetadata(def: KindDefinition, meta: NonNullable<KubeObject['metadata']>): FieldError[] {
  const out: FieldError[] = [];
  if (meta.name !== undefined && meta.name !== '') {
    const why = def.nameIsLabel ? checkDns1123Label(meta.name) : checkDns1123Subdomain(meta.name);
    if (why) out.push({ type: 'FieldValueInvalid', field: 'metadata.name', message: `Invalid value: ${JSON.stringify(meta.name)}: ${why}` });
  }
  if (meta.generateName !== undefined && meta.generateName !== '' && !/^[a-z0-9]([-a-z0-9.]*)?$/.test(meta.generateName)) {
    out.push({ type: 'FieldValueInvalid', field: 'metadata.generateName', message: `Invalid value: ${JSON.stringify(meta.generateName)}: must be a lower case prefix of a DNS-1123 name` });
  }
  if (meta.annotations) {
    const size = Object.entries(meta.annotations).reduce((n, [k, v]) => n + k.length + v.length, 0);
    if (size > MAX_ANNOTATIONS_BYTES) out.push({ type: 'FieldValueTooLong', field: 'metadata.annotations', message: `Too long: must have at most ${MAX_ANNOTATIONS_BYTES} bytes` });
  }
  return out;
}

/** The part of an object whose changes bump `metadata.generation`: everything but metadata and status. */
export function specFingerprint(object: KubeObject): string {
  const { metadata: _m, status: _s, apiVersion: _a, kind: _k, ...rest } = object;
  return JSON.stringify(rest);
}
