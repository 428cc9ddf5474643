import { describe, expect, it } from 'vitest';
import { s } from './dsl.js';
import { findKind } from '../kinds.js';

describe('schema dsl', () => {
  const S = s.object({
    name: s.string({ minLength: 1 }),
    count: s.int32({ minimum: 0 }).default(3),
    tags: s.array(s.string()).optional(),
    nested: s.object({ on: s.boolean() }).optional(),
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
