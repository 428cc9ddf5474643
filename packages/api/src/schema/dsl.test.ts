import { describe, expect, expectTypeOf, it } from 'vitest';
import { s, type Infer, type InferInput } from './dsl.js';
import { findKind } from '../kinds.js';

describe('schema dsl', () => {
  const S = s.object({
    name: s.string({ minLength: 1 }),
    count: s.int32({ minimum: 0 }).default(3),
    tags: s.array(s.string()).optional(),
    nested: s.object({ on: s.boolean() }).optional(),
  });

  it('infers what a reader gets (defaults applied) and what a writer may send (defaulted fields optional)', () => {
    expectTypeOf<Infer<typeof S>>().toEqualTypeOf<{ name: string; count: number; tags?: string[]; nested?: { on: boolean } }>();
    expectTypeOf<InferInput<typeof S>>().toEqualTypeOf<{ name: string; count?: number; tags?: string[]; nested?: { on: boolean } }>();
    // At every depth: a defaulted field inside an array item or a map value may be left out too.
    const _deep = s.object({ items: s.array(s.object({ n: s.int32().default(1) })), byName: s.map(s.object({ on: s.boolean().default(false) })) });
    expectTypeOf<InferInput<typeof _deep>>().toEqualTypeOf<{ items: { n?: number }[]; byName: Record<string, { on?: boolean }> }>();
  });

  it('applies defaults and drops nulls of optional fields', () => {
    expect(S.parse({ name: 'a', tags: null })).toEqual({ value: { name: 'a', count: 3 }, errors: [] });
  });

  it('names every bad field the way Kubernetes does', () => {
    const { errors } = S.parse({ count: 'x', nested: { on: 1 }, extra: true });
    expect(errors.map((e) => `${e.field}: ${e.type}`)).toEqual([
      'name: FieldValueRequired',
      'count: FieldValueTypeInvalid',
      'nested.on: FieldValueTypeInvalid',
      'extra: FieldValueUnknown',
    ]);
  });

  it('prunes unknown fields when asked', () => {
    expect(S.parse({ name: 'a', extra: 1 }, 'prune').value).toEqual({ name: 'a', count: 3 });
  });

  it('reports list indices and duplicate keys', () => {
    const pod = findKind('Pod')!;
    const { errors } = pod.body.parse({ spec: { containers: [{ name: 'a' }, { name: 'a', env: [{ value: 'x' }] }] } });
    expect(errors.map((e) => e.field)).toEqual(['spec.containers[1].env[0].name', 'spec.containers[1].name']);
  });

});
