/**
 * The JSON form of tensors: nested lists of numbers, as numpy's `tolist()` writes them. The original Python
 * client sends `{"data": ndarray.tolist()}` and reads `{"result": [...]}` back.
 */
import type { Tensor } from '../estimator.js';
import { TENSOR_MAX_RANK } from './tensor-wire.js';

export class NestedListError extends Error {
  override name = 'NestedListError';
}

/**
 * A regular nested list of finite numbers as a float32 tensor. `field` names the value in errors
 * ("data", "result"). Ragged lists, non-numbers and lists nested deeper than the wire allows are errors.
 */
export function tensorFromNested(value: unknown, field: string): Tensor {
  if (!Array.isArray(value)) throw new NestedListError(`${field} must be a list of numbers or nested lists, got ${describe(value)}`);
  const shape: number[] = [];
  let level: unknown = value;
  while (Array.isArray(level)) {
    shape.push(level.length);
    if (shape.length > TENSOR_MAX_RANK) throw new NestedListError(`${field} is nested deeper than ${TENSOR_MAX_RANK} levels`);
    if (level.length === 0) break;
    level = level[0];
  }
  if (shape.includes(0)) throw new NestedListError(`${field} is empty (shape [${shape.join(', ')}])`);
  const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
  let offset = 0;
  const walk = (node: unknown, depth: number, path: string): void => {
    if (depth === shape.length) {
      if (typeof node !== 'number' || !Number.isFinite(node)) throw new NestedListError(`${path} must be a finite number, got ${describe(node)}`);
      data[offset++] = node;
      return;
    }
    if (!Array.isArray(node)) throw new NestedListError(`${path} must be a list of ${shape[depth]} items (the shape of ${field}[0]...), got ${describe(node)}`);
    if (node.length !== shape[depth]) throw new NestedListError(`${field} is ragged: ${path} has ${node.length} items, expected ${shape[depth]}`);
    for (let i = 0; i < node.length; i++) walk(node[i], depth + 1, `${path}[${i}]`);
  };
  walk(value, 0, field);
  return { data, shape };
}

/** A tensor as nested lists (the inverse of tensorFromNested); rank 0 is not a thing here. */
export function tensorToNested(tensor: Tensor): unknown[] {
  const { data, shape } = tensor;
  let offset = 0;
  const build = (depth: number): unknown[] => {
    const length = shape[depth] as number;
    const out: unknown[] = new Array(length);
    if (depth === shape.length - 1) {
      for (let i = 0; i < length; i++) out[i] = data[offset++];
    } else {
      for (let i = 0; i < length; i++) out[i] = build(depth + 1);
    }
    return out;
  };
  if (shape.length === 0) throw new NestedListError('a tensor of rank 0 has no list form');
  return build(0);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `a list of ${value.length}`;
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 20 ? `${value.slice(0, 20)}...` : value)}`;
  return typeof value === 'object' ? 'an object' : `${typeof value} ${String(value)}`;
}
