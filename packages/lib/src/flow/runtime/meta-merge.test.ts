import { describe, expect, it } from 'vitest';
import type { Meta } from '../types.js';
import { metaMerge } from './meta-merge.js';

/** What the merge must give: Object.assign's keys, order and values. */
function expected(base: Meta, adds: readonly (Meta | undefined)[]): Meta {
  return Object.assign({}, base, ...adds);
}

function sameAsAssign(merge: ReturnType<typeof metaMerge>, base: Meta, adds: readonly (Meta | undefined)[]): void {
  const got = merge(base, ...adds);
  const want = expected(base, adds);
  expect(Object.keys(got)).toEqual(Object.keys(want));
  expect(got).toEqual(want);
  // A new object: the item's own meta is not changed.
  expect(got).not.toBe(base);
}

describe('metaMerge', () => {
  const version = Object.freeze({ model_version: 'initial' });
  const hard = Object.freeze({ hard: true });
  const easy = Object.freeze({ hard: false });
  const cloud = Object.freeze({ answered_by: 'cloud' });

  it('gives what Object.assign gives, item after item, for the combinations it meets again', () => {
    const merge = metaMerge(4);
    for (let index = 0; index < 50; index++) {
      const isHard = index % 4 === 0;
      sameAsAssign(merge, { index }, [undefined, version, isHard ? hard : easy, isHard ? cloud : undefined]);
    }
  });

  it('keeps the first position of a key and its last value, and the integer keys first, as Object.assign does', () => {
    const merge = metaMerge(3);
    const a = Object.freeze({ b: 1, z: 'a' });
    const b = Object.freeze({ z: 'b', 2: 'two', y: [1] });
    for (let k = 0; k < 3; k++) sameAsAssign(merge, { z: 0, index: k, 10: 'ten' }, [a, undefined, b]);
  });

  it('reads the item meta each time: the same keys with other values give those values', () => {
    const merge = metaMerge(1);
    expect(merge({ index: 1, source: 'a' }, version)).toEqual({ index: 1, source: 'a', model_version: 'initial' });
    expect(merge({ index: 2, source: 'b' }, version)).toEqual({ index: 2, source: 'b', model_version: 'initial' });
  });

  it('tells item metas of other keys apart (another order, fewer, more, inherited)', () => {
    const merge = metaMerge(1);
    sameAsAssign(merge, { a: 1, b: 2 }, [version]);
    sameAsAssign(merge, { b: 2, a: 1 }, [version]);
    sameAsAssign(merge, { a: 1 }, [version]);
    sameAsAssign(merge, { a: 1, b: 2, c: 3 }, [version]);
    const inherits = Object.create({ inherited: true }) as Record<string, unknown>;
    inherits.a = 1;
    inherits.b = 2;
    sameAsAssign(merge, inherits, [version]);
    expect(merge(inherits, version)).not.toHaveProperty('inherited');
  });

  it('merges metas that are not frozen, or have accessors or symbols, by Object.assign, and so sees their changes', () => {
    const merge = metaMerge(1);
    const changing: Record<string, unknown> = { step: 1 };
    sameAsAssign(merge, { index: 0 }, [changing]);
    changing.step = 2;
    expect(merge({ index: 1 }, changing)).toEqual({ index: 1, step: 2 });
    let reads = 0;
    const accessor = Object.freeze(Object.defineProperty({}, 'count', { enumerable: true, get: () => ++reads }));
    expect(merge({ index: 0 }, accessor)).toEqual({ index: 0, count: 1 });
    expect(merge({ index: 1 }, accessor)).toEqual({ index: 1, count: 2 });
    const tag = Symbol('tag');
    const withSymbol = Object.freeze({ [tag]: 'x', a: 1 });
    const merged = merge({ index: 0 }, withSymbol);
    expect(merged[tag as unknown as string]).toBe('x');
    const base = { [tag]: 'y', index: 3 } as unknown as Meta;
    expect(merge(base, version)[tag as unknown as string]).toBe('y');
  });

  it('gives a meta with a key named __proto__ what Object.assign gives it (the prototype set, no own key)', () => {
    const merge = metaMerge(1);
    const odd = Object.freeze(JSON.parse('{"__proto__": {"inherited": true}, "a": 1}') as Meta);
    for (let k = 0; k < 2; k++) {
      const got = merge({ index: k }, odd);
      const want = expected({ index: k }, [odd]);
      expect(Object.keys(got)).toEqual(Object.keys(want));
      expect(Object.getPrototypeOf(got)).toEqual(Object.getPrototypeOf(want));
    }
  });

  it('merges by Object.assign past the combinations it keeps builders for', () => {
    const merge = metaMerge(1);
    for (let k = 0; k < 20; k++) sameAsAssign(merge, { index: k }, [Object.freeze({ [`key${k}`]: k })]);
  });

  it('refuses a chain of no units', () => {
    expect(() => metaMerge(0)).toThrow(/0 units/);
  });
});
