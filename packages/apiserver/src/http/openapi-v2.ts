/**
 * OpenAPI v2 (`/openapi/v2`), for clients older than OpenAPI v3 discovery: Debian's kubectl 1.20 validates objects
 * against it before sending them (`--validate`, on by default) and `kubectl explain` reads it. Served as JSON, or as
 * the gnostic protobuf document kubectl asks for (`application/com.github.proto-openapi.spec.v2@v1.0+protobuf`).
 * Definitions carry `x-kubernetes-group-version-kind`, which is how kubectl finds a kind's schema. Objects that keep
 * unknown fields (the core kinds model only what the control plane uses) are published without their properties,
 * so an old client's validation does not refuse fields the server accepts (Kubernetes publishes such CRD schemas
 * the same way).
 */
import { stringify } from 'yaml';
import { KINDS, type KindDefinition, objectOpenApiSchema, type OpenApiSchema } from '@sedna/api';
import { encodeMessage, type ProtoMessage } from './protobuf/encode.js';
import { schemaName } from './openapi.js';

/** What kubectl asks for (Accept); answered as application/octet-stream, as kube-openapi answers it (Go's mime parser refuses the '@'). */
export const OPENAPI_V2_PROTOBUF = 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf';

/** A v3 schema as v2 understands it: no nullable/anyOf/int-or-string; preserve-unknown objects without properties. */
function toV2(schema: OpenApiSchema): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (schema.description) out['description'] = schema.description;
  if (schema['x-kubernetes-int-or-string']) return { ...out, format: 'int-or-string' };
  if (schema['x-kubernetes-preserve-unknown-fields'] && schema.type !== 'array') return { ...out, ...(schema.type ? { type: schema.type } : {}) };
  if (schema.type) out['type'] = schema.type;
  if (schema.format) out['format'] = schema.format;
  if (schema.enum) out['enum'] = schema.enum;
  if (schema.pattern) out['pattern'] = schema.pattern;
  if (schema.required?.length) out['required'] = schema.required;
  if (schema.items) out['items'] = toV2(schema.items);
  if (schema.properties) out['properties'] = Object.fromEntries(Object.entries(schema.properties).map(([k, v]) => [k, toV2(v)]));
  if (typeof schema.additionalProperties === 'object') out['additionalProperties'] = toV2(schema.additionalProperties);
  return out;
}

function definition(def: KindDefinition): Record<string, unknown> {
  const schema = objectOpenApiSchema(def);
  // The whole object keeps its top-level properties (apiVersion, kind, metadata, spec, status) so explain shows them.
  const v2 = toV2({ ...schema, 'x-kubernetes-preserve-unknown-fields': false } as OpenApiSchema);
  return { ...v2, 'x-kubernetes-group-version-kind': [{ group: def.group, version: def.version, kind: def.kind }] };
}

let json: string | undefined;
let protobuf: Buffer | undefined;

export function openApiV2Document(): Record<string, unknown> {
  return {
    swagger: '2.0',
    info: { title: 'Sedna embedded API', version: 'v1alpha1' },
    paths: {},
    definitions: Object.fromEntries(KINDS.map((def) => [schemaName(def), definition(def)])),
  };
}

export function openApiV2Json(): string {
  return (json ??= JSON.stringify(openApiV2Document()));
}

/** The gnostic openapi_v2.Document message. */
export function openApiV2Protobuf(): Buffer {
  if (protobuf) return protobuf;
  const doc = openApiV2Document();
  const definitions = Object.entries(doc['definitions'] as Record<string, Record<string, unknown>>).map(([name, schema]): [number, ProtoMessage] => [1, [[1, name], [2, schemaMessage(schema)]]]);
  protobuf = encodeMessage([
    [1, '2.0'],
    [2, [[1, 'Sedna embedded API'], [2, 'v1alpha1']]],
    [8, []],
    [9, definitions],
  ]);
  return protobuf;
}

/** A vendor extension or default as gnostic's Any: the value as YAML text. */
function anyMessage(value: unknown): ProtoMessage {
  return [[2, stringify(value)]];
}

function schemaMessage(schema: Record<string, unknown>): ProtoMessage {
  const m: ProtoMessage = [];
  if (typeof schema['format'] === 'string') m.push([2, schema['format']]);
  if (typeof schema['description'] === 'string') m.push([4, schema['description']]);
  if (typeof schema['pattern'] === 'string') m.push([13, schema['pattern']]);
  for (const r of (schema['required'] as string[] | undefined) ?? []) m.push([19, r]);
  for (const e of (schema['enum'] as unknown[] | undefined) ?? []) m.push([20, anyMessage(e)]);
  if (schema['additionalProperties'] && typeof schema['additionalProperties'] === 'object') m.push([21, [[1, schemaMessage(schema['additionalProperties'] as Record<string, unknown>)]]]);
  if (typeof schema['type'] === 'string') m.push([22, [[1, schema['type']]]]);
  if (schema['items']) m.push([23, [[1, schemaMessage(schema['items'] as Record<string, unknown>)]]]);
  const properties = schema['properties'] as Record<string, Record<string, unknown>> | undefined;
  if (properties) m.push([25, Object.entries(properties).map(([name, p]): [number, ProtoMessage] => [1, [[1, name], [2, schemaMessage(p)]]])]);
  for (const [name, value] of Object.entries(schema)) {
    if (name.startsWith('x-')) m.push([31, [[1, name], [2, anyMessage(value)]]]);
  }
  return m;
}

