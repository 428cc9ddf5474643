/** CustomResourceDefinition manifests for the Sedna kinds, generated from the same schemas the API server validates with. */
import { apiVersionOf, type KindDefinition, SEDNA_KINDS } from './kinds.js';
import type { OpenApiSchema } from './schema/dsl.js';
import { describeField } from './descriptions.js';

/** The whole-object schema: apiVersion, kind, metadata plus the kind's body. */
export function objectOpenApiSchema(def: KindDefinition): OpenApiSchema {
  const body = def.body.openApi();
  const schema: OpenApiSchema = {
    type: 'object',
    description: `${def.kind} is a ${apiVersionOf(def)} resource.`,
    properties: {
      apiVersion: { type: 'string', description: 'APIVersion defines the versioned schema of this representation of an object.' },
      kind: { type: 'string', description: 'Kind is a string value representing the REST resource this object represents.' },
      metadata: { type: 'object' },
      ...body.properties,
    },
    ...(body.required ? { required: body.required } : {}),
  };
  return withDescriptions(schema, [def.kind]);
}

/** Fills in the description of every field that has none, from descriptions.ts. */
function withDescriptions(schema: OpenApiSchema, path: string[]): OpenApiSchema {
  const out: OpenApiSchema = { ...schema };
  if (schema.properties) {
    out.properties = Object.fromEntries(
      Object.entries(schema.properties).map(([name, child]) => {
        const described = withDescriptions(child, [...path, name]);
        const description = described.description ?? describeField([...path, name]);
        return [name, description ? { ...described, description } : described];
      }),
    );
  }
  if (schema.items) out.items = withDescriptions(schema.items, path);
  if (typeof schema.additionalProperties === 'object') out.additionalProperties = withDescriptions(schema.additionalProperties, path);
  return out;
}

export function customResourceDefinition(def: KindDefinition): Record<string, unknown> {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${def.plural}.${def.group}` },
    spec: {
      group: def.group,
      names: {
        kind: def.kind,
        listKind: `${def.kind}List`,
        plural: def.plural,
        singular: def.singular,
        ...(def.shortNames.length ? { shortNames: def.shortNames } : {}),
        ...(def.categories.length ? { categories: def.categories } : {}),
      },
      scope: def.namespaced ? 'Namespaced' : 'Cluster',
      versions: [
        {
          name: def.version,
          served: true,
          storage: true,
          schema: { openAPIV3Schema: objectOpenApiSchema(def) },
          ...(def.statusSubresource ? { subresources: { status: {} } } : {}),
          additionalPrinterColumns: def.printerColumns.map((c) => ({
            name: c.name,
            type: c.type,
            jsonPath: c.jsonPath,
            ...(c.description ? { description: c.description } : {}),
            ...(c.priority ? { priority: c.priority } : {}),
          })),
        },
      ],
    },
  };
}

export function crdFileName(def: KindDefinition): string {
  return `${def.group}_${def.plural}.yaml`;
}

export function allCustomResourceDefinitions(): { file: string; manifest: Record<string, unknown> }[] {
  return SEDNA_KINDS.map((def) => ({ file: crdFileName(def), manifest: customResourceDefinition(def) }));
}
