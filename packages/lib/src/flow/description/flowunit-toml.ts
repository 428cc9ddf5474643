/**
 * ModelBox flowunit descriptions (`<unit>/<unit>.toml`): `[base]` name, device, version, description, entry, type,
 * virtual_type and the stream flags (stream, condition, collapse, collapse_all, expand); `[config]` option defaults;
 * `[input.<key>]` and `[output.<key>]` ports with name, type and device.
 */
import { parse, TomlError } from 'smol-toml';
import { FlowGraphError, portTypeOf, type OptionSpec, type OptionValue, type PortSpec, type UnitDescription, type UnitKind } from '../types.js';

/** A parsed flowunit file: its description plus what the runtime needs to load its code. */
export interface FlowunitFile {
  readonly description: UnitDescription;
  /** `[base] type`: python, inference, c++, or javascript (ours). */
  readonly type: string;
  /** `[base] entry`: `module@Class` for code units, a model file for inference units. */
  readonly entry: string;
  readonly virtualType: string | undefined;
  /** The folder the file is in (entry paths are relative to it). */
  readonly dir: string;
  readonly file: string;
}

const BASE_KEYS = new Set(['name', 'device', 'version', 'description', 'entry', 'type', 'virtual_type', 'group_type', 'stream', 'condition', 'collapse', 'collapse_all', 'expand', 'exception_visible', 'is_input_contiguous', 'resource_nice']);

export function parseTomlText(text: string, file: string): Record<string, unknown> {
  try {
    return parse(text) as Record<string, unknown>;
  } catch (error) {
    const detail = error instanceof TomlError ? `line ${error.line}, column ${error.column}: ${error.message.split('\n')[0]}` : (error as Error).message;
    throw new FlowGraphError(`${file}: not valid TOML: ${detail}`);
  }
}

function table(value: unknown, where: string): Record<string, unknown> {
  if (value === undefined) return {};
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new FlowGraphError(`${where} must be a table`);
  return value as Record<string, unknown>;
}

function text(value: unknown, where: string, fallback?: string): string {
  if (value === undefined && fallback !== undefined) return fallback;
  if (typeof value !== 'string' || value.trim() === '') throw new FlowGraphError(`${where} must be a non-empty string`);
  return value;
}

function flag(value: unknown, where: string): boolean {
  if (value === undefined) return false;
  if (typeof value !== 'boolean') throw new FlowGraphError(`${where} must be true or false`);
  return value;
}

function ports(section: Record<string, unknown>, where: string): PortSpec[] {
  const out: PortSpec[] = [];
  for (const [key, raw] of Object.entries(section)) {
    const port = table(raw, `${where}.${key}`);
    const name = text(port.name, `${where}.${key}.name`);
    if (out.some((p) => p.name === name)) throw new FlowGraphError(`${where}.${key}.name: port ${JSON.stringify(name)} is declared twice`);
    out.push({ name, type: portTypeOf(port.type, `${where}.${key}.type`) });
  }
  return out;
}

/** `[config]` values become options of the matching type, with the value as default. */
function configOptions(config: Record<string, unknown>, where: string): OptionSpec[] {
  return Object.entries(config).map(([name, value]) => {
    const type = typeof value === 'boolean' ? 'boolean' : typeof value === 'number' ? 'number' : Array.isArray(value) ? 'list' : 'string';
    if (typeof value === 'object' && !Array.isArray(value)) throw new FlowGraphError(`${where}.${name}: a config value must be a string, number, boolean or list`);
    return { name, type, description: `[config] ${name}`, default: value as OptionValue } satisfies OptionSpec;
  });
}

export function parseFlowunitToml(textContent: string, file: string, dir: string): FlowunitFile {
  const doc = parseTomlText(textContent, file);
  const base = table(doc.base, `${file}: [base]`);
  for (const key of Object.keys(base)) if (!BASE_KEYS.has(key)) throw new FlowGraphError(`${file}: [base] ${key}: unknown key (known: ${[...BASE_KEYS].join(', ')})`);
  const name = text(base.name, `${file}: [base] name`);
  const flags = { condition: flag(base.condition, `${file}: [base] condition`), expand: flag(base.expand, `${file}: [base] expand`), collapse: flag(base.collapse, `${file}: [base] collapse`) || flag(base.collapse_all, `${file}: [base] collapse_all`) };
  if (Object.values(flags).filter(Boolean).length > 1) throw new FlowGraphError(`${file}: [base]: condition, expand and collapse exclude each other`);
  const inputs = ports(table(doc.input, `${file}: [input]`), `${file}: [input]`);
  const outputs = ports(table(doc.output, `${file}: [output]`), `${file}: [output]`);
  const kind: UnitKind = flags.condition ? 'condition' : flags.expand ? 'expand' : flags.collapse ? 'collapse' : inputs.length === 0 ? 'source' : 'normal';
  if (kind === 'condition' && outputs.length < 2) throw new FlowGraphError(`${file}: a condition unit needs at least two outputs`);
  const description: UnitDescription = {
    name,
    kind,
    description: typeof base.description === 'string' ? base.description : '',
    version: typeof base.version === 'string' ? base.version : '0.0.0',
    device: typeof base.device === 'string' ? base.device : 'cpu',
    inputs,
    outputs,
    options: configOptions(table(doc.config, `${file}: [config]`), `${file}: [config]`),
  };
  return {
    description,
    type: text(base.type, `${file}: [base] type`, 'javascript').toLowerCase(),
    entry: text(base.entry, `${file}: [base] entry`, ''),
    virtualType: typeof base.virtual_type === 'string' ? base.virtual_type : undefined,
    dir,
    file,
  };
}
