/**
 * An item's meta as it leaves a compiled chain (item-chain.ts): its own meta with what the chain's units added, in
 * the units' order, exactly as `Object.assign({}, base, ...adds)` gives it (the same keys in the same order, each
 * with its last value), made where it can be by a function written for those keys.
 *
 * Why: Object.assign copies key by key through V8's generic path, about 1,300 machine instructions an item for the
 * joint inference graph's four metas (counted under callgrind, see the flow README's "What the graph costs"), where a
 * literal with the keys written out takes a few dozen. Units give the same few frozen metas
 * again and again (onnx_inference its model version, the mining unit hard or easy, cloud_inference who answered),
 * so a combination of them, by identity, with the keys of the item's own meta, gets a builder
 * `(base) => ({ "index": base["index"], "model_version": V[0], ... })` whose added values are constants: a frozen
 * object's data properties never change. Anything else (a meta that is not frozen, or has accessors or symbol keys;
 * more combinations than the table holds) is merged by Object.assign.
 */
import type { Meta } from '../types.js';

/** A chain's merge: its item's meta and what each of its units added (undefined: nothing). */
export type MergeMeta = (base: Meta, ...adds: (Meta | undefined)[]) => Meta;

/** Combinations a merge keeps builders for; past them it merges by Object.assign. */
const MAX_BUILDERS = 8;

interface Builder {
  /** The added metas it was written for, by identity (undefined where a unit added nothing). */
  readonly adds: readonly (Meta | undefined)[];
  /** The item meta's own keys, in their order. */
  readonly keys: readonly string[];
  readonly build: (base: Meta) => Meta;
}

/**
 * The merge for a chain of `count` units: a function of exactly `count + 1` arguments (no rest list made per
 * item), which looks the combination up in its own table of builders.
 */
export function metaMerge(count: number): MergeMeta {
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`metaMerge: a chain of ${count} units`);
  const builders: Builder[] = [];
  const slow = (base: Meta, adds: readonly (Meta | undefined)[]): Meta => {
    if (builders.length < MAX_BUILDERS) {
      const made = builderFor(base, adds);
      if (made !== undefined) {
        builders.push(made);
        return made.build(base);
      }
    }
    return Object.assign({}, base, ...adds);
  };
  const args = Array.from({ length: count }, (_, k) => `a${k}`);
  // Only names made here are code: a0, a1, ... and the two values passed in.
  const source = [
    `return function mergeMeta(base, ${args.join(', ')}) {`,
    '  for (let i = 0; i < B.length; i++) {',
    '    const b = B[i];',
    `    if (${args.map((a, k) => `b.adds[${k}] === ${a}`).join(' && ')} && sameKeys(base, b.keys)) return b.build(base);`,
    '  }',
    `  return slow(base, [${args.join(', ')}]);`,
    '};',
  ].join('\n');
  return new Function('B', 'slow', 'sameKeys', source)(builders, slow, sameKeys) as MergeMeta;
}

/** Whether the item meta's enumerable keys are `keys`, in that order (a key it inherits makes it differ). */
function sameKeys(base: Meta, keys: readonly string[]): boolean {
  let k = 0;
  for (const key in base) {
    if (key !== keys[k]) return false;
    k++;
  }
  return k === keys.length;
}

/** A builder for this combination, or undefined when one cannot stand for Object.assign (see the module's note). */
function builderFor(base: Meta, adds: readonly (Meta | undefined)[]): Builder | undefined {
  if (Object.getOwnPropertySymbols(base).length > 0) return undefined;
  for (const add of adds) {
    if (add === undefined) continue;
    if (!Object.isFrozen(add) || Object.getOwnPropertySymbols(add).length > 0) return undefined;
    for (const key of Object.keys(add)) if (!('value' in (Object.getOwnPropertyDescriptor(add, key) as PropertyDescriptor))) return undefined;
  }
  const keys = Object.keys(base);
  // An item meta with inherited enumerable keys would never pass sameKeys().
  if (!sameKeys(base, keys)) return undefined;
  // The merged keys in Object.assign's order; each from the last of the metas that has it.
  const order = Object.keys(Object.assign({}, base, ...adds));
  // Object.assign sets a key named __proto__ through the prototype's setter (it becomes the object's prototype, not
  // a key): not something a literal says the same way, so such metas keep Object.assign.
  if (order.includes('__proto__') || adds.some((add) => add !== undefined && Object.prototype.hasOwnProperty.call(add, '__proto__'))) return undefined;
  const values: unknown[] = [];
  const fields = order.map((key) => {
    for (let k = adds.length - 1; k >= 0; k--) {
      const add = adds[k];
      if (add !== undefined && Object.prototype.hasOwnProperty.call(add, key)) {
        values.push(add[key]);
        return `${JSON.stringify(key)}: V[${values.length - 1}]`;
      }
    }
    return `${JSON.stringify(key)}: base[${JSON.stringify(key)}]`;
  });
  const build = new Function('V', `return function buildMeta(base) { return { ${fields.join(', ')} }; };`)(values) as (base: Meta) => Meta;
  return { adds: adds.slice(), keys, build };
}
