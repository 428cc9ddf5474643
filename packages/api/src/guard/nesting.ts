/**
 * JSON and YAML parsing with a nesting limit checked before parsing. Deeply nested documents are cheap to send and
 * expensive to take: recursive code after the parser (validation, merge, stringify) overflows the stack, and the YAML
 * composer can exhaust the heap. A linear scan measures the depth first, so such a body costs one pass and a 400.
 */
import { parse as parseYaml } from 'yaml';
import { MalformedRequest } from './malformed.js';

/** Deeper than any Kubernetes object or worker report; far below what overflows the stack. */
export const DEFAULT_MAX_DEPTH = 100;
/** YAML aliases a document may use (billion-laughs expansion needs many). */
export const DEFAULT_MAX_ALIASES = 100;

/** The deepest nesting of arrays and objects in a JSON text (strings skipped), without parsing it. */
export function jsonDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) max = depth;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return max;
}

/**
 * An upper bound of the nesting of a YAML text: flow brackets (counted outside quotes, conservatively) plus, per line,
 * the indentation and the block indicators (`- `, `? `) that open a level without indenting.
 */
export function yamlDepthBound(text: string): number {
  let max = 0;
  let flow = 0;
  for (const line of text.split('\n')) {
    let i = 0;
    while (i < line.length && (line[i] === ' ' || line[i] === '\t')) i++;
    let block = i;
    while (i + 1 < line.length + 1 && (line[i] === '-' || line[i] === '?') && (i + 1 === line.length || line[i + 1] === ' ')) {
      block++;
      i += 2;
      while (i < line.length && line[i] === ' ') i++;
    }
    let quote = '';
    for (; i < line.length; i++) {
      const c = line[i]!;
      if (quote) {
        if (c === quote) quote = '';
        else if (c === '\\' && quote === '"') i++;
      } else if (c === '"' || c === "'") quote = c;
      else if (c === '#' && (i === 0 || line[i - 1] === ' ')) break;
      else if (c === '[' || c === '{') flow++;
      else if (c === ']' || c === '}') flow = Math.max(0, flow - 1);
      if (block + flow > max) max = block + flow;
    }
    if (block + flow > max) max = block + flow;
  }
  return max;
}

export interface ParseLimits {
  maxDepth?: number;
  maxAliases?: number;
  /** What the text is, for the error ("the request body", "the report"). */
  what?: string;
}

/** JSON.parse with the depth checked first; errors are 400 MalformedRequests naming `what`. */
export function parseJsonBounded(text: string, limits: ParseLimits = {}): unknown {
  const what = limits.what ?? 'the request body';
  const maxDepth = limits.maxDepth ?? DEFAULT_MAX_DEPTH;
  const depth = jsonDepth(text);
  if (depth > maxDepth) throw new MalformedRequest(400, `${what} is nested ${depth} levels deep; at most ${maxDepth} are accepted`);
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new MalformedRequest(400, `${what} is not valid JSON: ${(error as Error).message}`);
  }
}

/** YAML parse with a depth bound checked first and a limit on aliases. */
export function parseYamlBounded(text: string, limits: ParseLimits = {}): unknown {
  const what = limits.what ?? 'the request body';
  const maxDepth = limits.maxDepth ?? DEFAULT_MAX_DEPTH;
  const depth = yamlDepthBound(text);
  // Indentation counts as depth in the bound: allow two columns a level, as YAML is usually written.
  if (depth > 2 * maxDepth) throw new MalformedRequest(400, `${what} is nested or indented too deeply (${depth} levels or columns; at most ${2 * maxDepth})`);
  try {
    return parseYaml(text, { maxAliasCount: limits.maxAliases ?? DEFAULT_MAX_ALIASES, prettyErrors: false });
  } catch (error) {
    throw new MalformedRequest(400, `${what} is not valid YAML: ${(error as Error).message.split('\n')[0]}`);
  }
}

/** The deepest nesting of a parsed value, iteratively (a value from elsewhere may be deeper than the stack allows). */
export function valueDepth(value: unknown, stopAt = Infinity): number {
  let max = 0;
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [v, d] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    const depth = d + 1;
    if (depth > max) max = depth;
    if (max > stopAt) return max;
    for (const child of Array.isArray(v) ? v : Object.values(v as Record<string, unknown>)) stack.push([child, depth]);
  }
  return max;
}
