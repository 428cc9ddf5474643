/**
 * Query parameters as the Kubernetes API server converts them (apimachinery's runtime conversions), so every client
 * is understood the way a cluster understands it: the Python client sends `watch=True`, kubectl `watch=true`,
 * others `watch=1`.
 */
import { errors } from './errors.js';

/**
 * A boolean parameter (Convert_Slice_string_To_bool): absent is false; `0` and `false` in any case are false;
 * any other value, even an empty one, is true.
 */
export function boolParam(query: URLSearchParams, name: string): boolean {
  const value = query.get(name);
  if (value === null) return false;
  return !(value === '0' || value.toLowerCase() === 'false');
}

/** A boolean parameter that may be absent (`*bool` fields such as sendInitialEvents). */
export function optionalBoolParam(query: URLSearchParams, name: string): boolean | undefined {
  return query.get(name) === null ? undefined : boolParam(query, name);
}

/**
 * An integer parameter (Convert_Slice_string_To_int64: a decimal integer with an optional sign); absent or empty is
 * undefined. A value that is no integer, or below `min`, is a 400 naming the parameter.
 */
export function intParam(query: URLSearchParams, name: string, min = 0): number | undefined {
  const value = query.get(name);
  if (value === null || value === '') return undefined;
  if (!/^[+-]?\d+$/.test(value)) throw errors.badRequest(`${name}: invalid value ${JSON.stringify(value)}: must be an integer`);
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw errors.badRequest(`${name}: invalid value ${JSON.stringify(value)}: out of range`);
  if (n < min) throw errors.badRequest(`${name}: invalid value ${JSON.stringify(value)}: must be ${min === 0 ? 'non-negative' : `at least ${min}`}`);
  return n;
}
