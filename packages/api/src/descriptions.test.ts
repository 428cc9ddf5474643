import { describe, expect, it } from 'vitest';
import { objectOpenApiSchema } from './crd.js';
import { SEDNA_KINDS } from './kinds.js';
import type { OpenApiSchema } from './schema/dsl.js';

function undescribed(schema: OpenApiSchema, path: string, out: string[]): string[] {
  for (const [name, child] of Object.entries(schema.properties ?? {})) {
    if (!child.description) out.push(`${path}.${name}`);
    undescribed(child, `${path}.${name}`, out);
  }
  if (schema.items) undescribed(schema.items, `${path}[]`, out);
  if (typeof schema.additionalProperties === 'object') undescribed(schema.additionalProperties, `${path}{}`, out);
  return out;
}

describe('field descriptions', () => {
  it('describes every field of every Sedna kind, so kubectl explain teaches', () => {
    expect(SEDNA_KINDS.flatMap((def) => undescribed(objectOpenApiSchema(def), def.kind, []))).toEqual([]);
  });
  it('prefers the most specific meaning of a name', () => {
    const ji = objectOpenApiSchema(SEDNA_KINDS.find((k) => k.kind === 'JointInferenceService')!);
    const edge = ji.properties!['spec']!.properties!['edgeWorker']!;
    expect(edge.properties!['hardExampleMining']!.properties!['name']!.description).toMatch(/IBT, CrossEntropy/);
    expect(edge.properties!['model']!.properties!['name']!.description).toBe('Name of the Model object, in the same namespace.');
  });
});
