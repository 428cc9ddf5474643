/**
 * A node's options: the graph's attributes, checked against the unit's declared options and converted to their
 * types; unset ones come from the worker's environment (the option's `env`, e.g. MODEL_URL) and then the default.
 */
import type { Env } from '../../common/config.js';
import type { OptionSpec, OptionValue, UnitDescription } from '../types.js';

/** Attributes every node may carry: scheduling and drawing, not unit options. */
export const SCHEDULING_ATTRIBUTES = new Set(['type', 'flowunit', 'device', 'deviceid', 'batch_size', 'queue_size', 'concurrency', 'threads', 'label', 'shape', 'queue_size_event', 'color', 'style', 'pos', 'xlabel']);

function convert(spec: OptionSpec, raw: string | OptionValue, where: string): OptionValue {
  if (typeof raw !== 'string') return raw;
  switch (spec.type) {
    case 'string':
      return raw;
    case 'number':
    case 'integer': {
      const n = Number(raw.trim());
      if (raw.trim() === '' || !Number.isFinite(n)) throw new Error(`${where}: expected a number, got ${JSON.stringify(raw)}`);
      if (spec.type === 'integer' && !Number.isInteger(n)) throw new Error(`${where}: expected an integer, got ${JSON.stringify(raw)}`);
      return n;
    }
    case 'boolean': {
      const t = raw.trim().toLowerCase();
      if (t === 'true' || t === '1' || t === 'yes') return true;
      if (t === 'false' || t === '0' || t === 'no') return false;
      throw new Error(`${where}: expected true or false, got ${JSON.stringify(raw)}`);
    }
    case 'list':
      // ModelBox writes lists as "104, 117, 123".
      return raw
        .split(',')
        .map((part) => part.trim())
        .filter((part) => part !== '')
        .map((part) => (Number.isFinite(Number(part)) ? Number(part) : part));
  }
}

/** The node's options; every problem goes to `problems` with the node and option named. */
export function resolveOptions(node: string, attributes: Readonly<Record<string, string>>, description: UnitDescription, env: Env, problems: string[]): Record<string, OptionValue> {
  const known = new Map(description.options.map((o) => [o.name, o]));
  const options: Record<string, OptionValue> = {};
  for (const [key, value] of Object.entries(attributes)) {
    if (SCHEDULING_ATTRIBUTES.has(key)) continue;
    const spec = known.get(key);
    if (!spec) {
      const names = [...known.keys()];
      problems.push(`node ${node}: unknown option ${JSON.stringify(key)} for unit ${description.name} (its options: ${names.length ? names.join(', ') : 'none'})`);
      continue;
    }
    try {
      options[key] = convert(spec, value, `node ${node}: option ${key}`);
    } catch (error) {
      problems.push((error as Error).message);
    }
  }
  for (const spec of description.options) {
    if (spec.name in options) continue;
    const fromEnv = spec.env ? env[spec.env] : undefined;
    if (fromEnv !== undefined && fromEnv !== '') {
      try {
        options[spec.name] = convert(spec, fromEnv, `node ${node}: option ${spec.name} (from ${spec.env})`);
      } catch (error) {
        problems.push((error as Error).message);
      }
    } else if (spec.default !== undefined) {
      options[spec.name] = spec.default;
    } else if (spec.required) {
      problems.push(`node ${node}: option ${spec.name} of unit ${description.name} is required${spec.env ? ` (or the environment variable ${spec.env})` : ''}`);
    }
  }
  return options;
}

/** A positive integer scheduling attribute (batch_size, queue_size, ...). */
export function schedulingInteger(node: string, attributes: Readonly<Record<string, string>>, key: string, fallback: number, min: number, problems: string[]): number {
  const raw = attributes[key];
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) {
    problems.push(`node ${node}: ${key} must be an integer >= ${min}, got ${JSON.stringify(raw)}`);
    return fallback;
  }
  return n;
}
