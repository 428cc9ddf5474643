/**
 * The Sedna message of the GM-LC channel: the original `{header, content}` shape, with `content` carried as a
 * JSON object instead of the original's base64 string (a Go `[]byte` quirk, reference §3.2).
 */
import { s, type Schema, type Shape } from '../schema/dsl.js';
import { checkDns1123Label, checkDns1123Subdomain } from '../meta/names.js';

/** GM to LC: the object was created, changed, or removed. The LC treats insert and update alike (an upsert). */
export const DOWNSTREAM_OPERATIONS = ['insert', 'update', 'delete'] as const;
export type DownstreamOperation = (typeof DOWNSTREAM_OPERATIONS)[number];

/** LC to GM: the only upstream operation, as in the original. */
export const UPSTREAM_OPERATIONS = ['status'] as const;
export type UpstreamOperation = (typeof UPSTREAM_OPERATIONS)[number];

export type SednaOperation = DownstreamOperation | UpstreamOperation;

export interface SednaMessageHeader<Op extends SednaOperation = SednaOperation> {
  /** Namespace of the object; '' for a cluster-scoped object. */
  namespace: string;
  /** The object's kind in lower case: `dataset`, `model`, `pod`, `jointinferenceservice`, ... */
  resourceKind: string;
  resourceName: string;
  operation: Op;
}

export interface SednaMessage<Op extends SednaOperation = SednaOperation> {
  header: SednaMessageHeader<Op>;
  /** The full object (downstream) or the status report (upstream), as JSON. */
  content: Record<string, unknown>;
}

export type DownstreamMessage = SednaMessage<DownstreamOperation>;
export type UpstreamMessage = SednaMessage<UpstreamOperation>;

const RESOURCE_KIND = /^[a-z][a-z0-9]*$/;

function headerShape<Op extends SednaOperation>(operations: readonly Op[]) {
  return {
    namespace: s.string({ refine: (value) => (value === '' ? undefined : checkDns1123Label(value)) }),
    resourceKind: s.string({
      pattern: RESOURCE_KIND,
      patternMessage: 'must be the lower-case kind, such as dataset or jointinferenceservice',
    }),
    resourceName: s.string({ minLength: 1, refine: checkDns1123Subdomain }),
    operation: s.enum(...operations),
  } satisfies Shape;
}

function messageSchema<Op extends SednaOperation>(operations: readonly Op[]) {
  return s.object({ header: s.object(headerShape(operations)), content: s.freeObject() });
}

export const DownstreamMessageSchema = messageSchema(DOWNSTREAM_OPERATIONS);
export const UpstreamMessageSchema = messageSchema(UPSTREAM_OPERATIONS);

export type Checked<T> = { ok: true; value: T } | { ok: false; error: string };

function checkWith<T>(schema: Schema<T>, value: unknown, what: string): Checked<T> {
  // Unknown keys are rejected inside the header but kept inside `content` (a free object).
  const { value: out, errors } = schema.parse(value, 'reject');
  if (errors.length > 0 || out === undefined) {
    const detail = errors.map((e) => `${e.field || '<root>'}: ${e.message}`).join('; ');
    return { ok: false, error: `invalid ${what}: ${detail}` };
  }
  return { ok: true, value: out };
}

/** Validates a downstream (GM to LC) message: operation insert, update or delete. */
export function checkDownstreamMessage(value: unknown): Checked<DownstreamMessage> {
  return checkWith(DownstreamMessageSchema, value, 'downstream message');
}

/** Validates an upstream (LC to GM) message: operation status. */
export function checkUpstreamMessage(value: unknown): Checked<UpstreamMessage> {
  return checkWith(UpstreamMessageSchema, value, 'upstream message');
}

/** The coalescing key of an object: `kind/namespace/name`. */
export function messageKey(header: Pick<SednaMessageHeader, 'resourceKind' | 'namespace' | 'resourceName'>): string {
  return `${header.resourceKind}/${header.namespace}/${header.resourceName}`;
}

/** The `resourceKind` of a Kubernetes kind name (`JointInferenceService` gives `jointinferenceservice`). */
export function resourceKindOf(kind: string): string {
  return kind.toLowerCase();
}
