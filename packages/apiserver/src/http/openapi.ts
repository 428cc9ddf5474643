/**
 * OpenAPI v3 documents (`/openapi/v3` and one per group-version), built from the same schemas the server validates
 * with. kubectl reads them to learn that the server validates fields itself (the `fieldValidation` parameter on
 * PATCH), and which patch types each kind takes.
 */
import { createHash } from 'node:crypto';
import { KINDS, type KindDefinition, objectOpenApiSchema, SEDNA_GROUP } from '@sedna/api';

function gvPath(group: string, version: string): string {
  return group === '' ? `api/${version}` : `apis/${group}/${version}`;
}

export function schemaName(def: KindDefinition): string {
  const reversed = def.group === '' ? 'io.k8s.api.core' : def.group === SEDNA_GROUP ? def.group.split('.').reverse().join('.') : `io.k8s.api.${def.group}`;
  return `${reversed}.${def.version}.${def.kind}`;
}

const queryParams = ['dryRun', 'fieldManager', 'fieldValidation', 'pretty'].map((name) => ({ name, in: 'query', schema: { type: 'string', uniqueItems: true } }));

function gvk(def: KindDefinition): Record<string, string> {
  return { group: def.group, version: def.version, kind: def.kind };
}

function patchTypes(def: KindDefinition): Record<string, unknown> {
  const body = { schema: { type: 'object' } };
  const types: Record<string, unknown> = { 'application/json-patch+json': body, 'application/merge-patch+json': body };
  // Custom resources take no strategic merge patch; built-in kinds (core, apps) do.
  if (def.group !== SEDNA_GROUP) types['application/strategic-merge-patch+json'] = body;
  return types;
}

function operations(def: KindDefinition): Record<string, unknown> {
  const base = `/${gvPath(def.group, def.version)}${def.namespaced ? '/namespaces/{namespace}' : ''}/${def.plural}`;
  const ref = { $ref: `#/components/schemas/${schemaName(def)}` };
  const content = { 'application/json': { schema: ref } };
  const ext = { 'x-kubernetes-group-version-kind': gvk(def) };
  const paths: Record<string, unknown> = {
    [base]: {
      get: { operationId: `list${def.kind}`, 'x-kubernetes-action': 'list', ...ext, responses: { '200': { description: 'OK' } } },
      post: { operationId: `create${def.kind}`, 'x-kubernetes-action': 'post', ...ext, parameters: queryParams, requestBody: { content }, responses: { '201': { description: 'Created', content } } },
    },
    [`${base}/{name}`]: {
      get: { operationId: `read${def.kind}`, 'x-kubernetes-action': 'get', ...ext, responses: { '200': { description: 'OK', content } } },
      put: { operationId: `replace${def.kind}`, 'x-kubernetes-action': 'put', ...ext, parameters: queryParams, requestBody: { content }, responses: { '200': { description: 'OK', content } } },
      patch: { operationId: `patch${def.kind}`, 'x-kubernetes-action': 'patch', ...ext, parameters: [...queryParams, { name: 'force', in: 'query', schema: { type: 'boolean' } }], requestBody: { content: patchTypes(def) }, responses: { '200': { description: 'OK', content } } },
      delete: { operationId: `delete${def.kind}`, 'x-kubernetes-action': 'delete', ...ext, responses: { '200': { description: 'OK' } } },
    },
  };
  return paths;
}

function componentSchema(def: KindDefinition): Record<string, unknown> {
  const schema = objectOpenApiSchema(def) as Record<string, unknown>;
  // Core kinds model only the fields we use; tell clients the rest is allowed.
  if (def.preserveUnknownFields) schema['x-kubernetes-preserve-unknown-fields'] = true;
  return { ...schema, 'x-kubernetes-group-version-kind': [gvk(def)] };
}

const documents = new Map<string, string>();

export function groupVersionDocument(group: string, version: string): string | undefined {
  const key = gvPath(group, version);
  const cached = documents.get(key);
  if (cached) return cached;
  const defs = KINDS.filter((k) => k.group === group && k.version === version);
  if (defs.length === 0) return undefined;
  const doc = {
    openapi: '3.0.0',
    info: { title: 'Sedna embedded API', version: 'v1alpha1' },
    paths: Object.assign({}, ...defs.map(operations)),
    components: { schemas: Object.fromEntries(defs.map((d) => [schemaName(d), componentSchema(d)])) },
  };
  const text = JSON.stringify(doc);
  documents.set(key, text);
  return text;
}

export function openApiRoot(): Record<string, unknown> {
  const paths: Record<string, unknown> = {};
  const gvs = new Set(KINDS.map((k) => `${k.group}|${k.version}`));
  for (const gv of gvs) {
    const [group, version] = gv.split('|') as [string, string];
    const text = groupVersionDocument(group, version)!;
    const hash = createHash('sha512').update(text).digest('hex').slice(0, 32).toUpperCase();
    paths[gvPath(group, version)] = { serverRelativeURL: `/openapi/v3/${gvPath(group, version)}?hash=${hash}` };
  }
  return { paths };
}
