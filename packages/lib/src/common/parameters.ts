/**
 * Parsing of textual parameter values. Sedna passes every parameter as text (environment variables,
 * CRD `parameters: [{key, value}]`), and the original converted them with Python's int()/float()/strtobool()
 * at the point of use; these helpers do the same with an error that names the parameter.
 */

/** A parameter value as it arrives: text from the environment or the CRD, or a typed value from code. */
export type ParamValue = string | number | boolean;

/** Where a value came from, for error messages: "environment variable HEM_PARAMETERS", "parameter 'threshold'". */
export type ParamSource = string;

const TRUE_WORDS = new Set(['y', 'yes', 't', 'true', 'on', '1']);
const FALSE_WORDS = new Set(['n', 'no', 'f', 'false', 'off', '0']);

/** Python's strtobool word list, case-insensitive. */
export function parseBoolean(value: ParamValue, source: ParamSource): boolean {
  if (typeof value === 'boolean') return value;
  const word = String(value).trim().toLowerCase();
  if (TRUE_WORDS.has(word)) return true;
  if (FALSE_WORDS.has(word)) return false;
  throw new Error(`${source}: expected a boolean (true/false, yes/no, on/off, 1/0), got ${JSON.stringify(value)}`);
}

/** A finite number; text must be a whole decimal number literal (no trailing garbage, unlike parseFloat). */
export function parseNumber(value: ParamValue, source: ParamSource): number {
  if (typeof value === 'boolean') throw new Error(`${source}: expected a number, got the boolean ${value}`);
  const number = typeof value === 'number' ? value : value.trim() === '' ? Number.NaN : Number(value.trim());
  if (!Number.isFinite(number)) throw new Error(`${source}: expected a finite number, got ${JSON.stringify(value)}`);
  return number;
}

export function parseInteger(value: ParamValue, source: ParamSource): number {
  const number = parseNumber(value, source);
  if (!Number.isInteger(number)) throw new Error(`${source}: expected an integer, got ${JSON.stringify(value)}`);
  return number;
}

export interface NumberBounds {
  min?: number;
  max?: number;
  /** Whether `min` itself is allowed (default true). */
  minInclusive?: boolean;
  /** Whether `max` itself is allowed (default true). */
  maxInclusive?: boolean;
  integer?: boolean;
}

/** A number within bounds; the error names the source and the allowed range. */
export function parseBoundedNumber(value: ParamValue, source: ParamSource, bounds: NumberBounds): number {
  const number = bounds.integer === true ? parseInteger(value, source) : parseNumber(value, source);
  const { min, max, minInclusive = true, maxInclusive = true } = bounds;
  const belowMin = min !== undefined && (minInclusive ? number < min : number <= min);
  const aboveMax = max !== undefined && (maxInclusive ? number > max : number >= max);
  if (belowMin || aboveMax) {
    const low = min === undefined ? '(-∞' : `${minInclusive ? '[' : '('}${min}`;
    const high = max === undefined ? '∞)' : `${max}${maxInclusive ? ']' : ')'}`;
    throw new Error(`${source}: must be in ${low}, ${high}, got ${JSON.stringify(value)}`);
  }
  return number;
}

/**
 * Converts `text` to the type of `fallback`: a number default asks for a number, a boolean default for a
 * boolean, anything else keeps the text.
 */
export function convertLike<T extends ParamValue>(text: string, fallback: T, source: ParamSource): T {
  if (typeof fallback === 'number') return parseNumber(text, source) as T;
  if (typeof fallback === 'boolean') return parseBoolean(text, source) as T;
  return text as T;
}
