/**
 * A typed reader over one YAML mapping: each getter checks the field's type and names `<path>.<field>` and the file
 * in its error; `finish()` refuses the fields nobody read (Ianvs drops them silently, which hides typos).
 */
import { ConfigError } from './errors.js';
import { isMap, type YamlMap } from './yaml-file.js';

export class Fields {
  private readonly read = new Set<string>();

  constructor(
    readonly file: string,
    readonly path: string,
    readonly map: YamlMap,
  ) {}

  name(field: string): string {
    return this.path ? `${this.path}.${field}` : field;
  }

  fail(field: string, message: string): never {
    throw new ConfigError(this.file, this.name(field), message);
  }

  has(field: string): boolean {
    return this.map[field] !== undefined && this.map[field] !== null;
  }

  raw(field: string): unknown {
    this.read.add(field);
    return this.map[field];
  }

  string(field: string): string;
  string(field: string, fallback: string): string;
  string(field: string, fallback?: string): string {
    const v = this.raw(field);
    if (v === undefined || v === null) {
      if (fallback === undefined) this.fail(field, 'is required (a string)');
      return fallback;
    }
    if (typeof v !== 'string') this.fail(field, `must be a string, got ${describe(v)}`);
    return v;
  }

  optionalString(field: string): string | undefined {
    const v = this.raw(field);
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string') this.fail(field, `must be a string, got ${describe(v)}`);
    return v;
  }

  number(field: string, fallback: number, check?: { integer?: boolean; min?: number; max?: number }): number {
    const v = this.raw(field);
    if (v === undefined || v === null) return fallback;
    if (typeof v !== 'number' || !Number.isFinite(v)) this.fail(field, `must be a number, got ${describe(v)}`);
    if (check?.integer && !Number.isInteger(v)) this.fail(field, `must be an integer, got ${v}`);
    if (check?.min !== undefined && v < check.min) this.fail(field, `must be >= ${check.min}, got ${v}`);
    if (check?.max !== undefined && v > check.max) this.fail(field, `must be <= ${check.max}, got ${v}`);
    return v;
  }

  boolean(field: string, fallback: boolean): boolean {
    const v = this.raw(field);
    if (v === undefined || v === null) return fallback;
    if (typeof v !== 'boolean') this.fail(field, `must be true or false, got ${describe(v)}`);
    return v;
  }

  oneOf<T extends string>(field: string, allowed: readonly T[], fallback?: T): T {
    const v = fallback === undefined ? this.string(field) : this.string(field, fallback);
    if (!(allowed as readonly string[]).includes(v)) this.fail(field, `must be one of ${allowed.map((a) => `"${a}"`).join(', ')}, got "${v}"`);
    return v as T;
  }

  /** A nested mapping; missing gives an empty one (its own fields supply defaults) unless required. */
  sub(field: string, required = false): Fields {
    const v = this.raw(field);
    if (v === undefined || v === null) {
      if (required) this.fail(field, 'is required (a mapping)');
      return new Fields(this.file, this.name(field), {});
    }
    if (!isMap(v)) this.fail(field, `must be a mapping, got ${describe(v)}`);
    return new Fields(this.file, this.name(field), v);
  }

  optionalSub(field: string): Fields | undefined {
    return this.has(field) ? this.sub(field) : (this.raw(field), undefined);
  }

  list(field: string, required = false): unknown[] {
    const v = this.raw(field);
    if (v === undefined || v === null) {
      if (required) this.fail(field, 'is required (a list)');
      return [];
    }
    if (!Array.isArray(v)) this.fail(field, `must be a list, got ${describe(v)}`);
    return v;
  }

  /** The items of a list of mappings, each as Fields named `<field>[i]`. */
  maps(field: string, required = false): Fields[] {
    return this.list(field, required).map((item, i) => {
      if (!isMap(item)) this.fail(`${field}[${i}]`, `must be a mapping, got ${describe(item)}`);
      return new Fields(this.file, this.name(`${field}[${i}]`), item);
    });
  }

  /** Marks fields as known without reading them (kept for Ianvs compatibility, unused here). */
  accept(...fields: string[]): void {
    for (const f of fields) this.read.add(f);
  }

  /** Every field present that no getter asked for. */
  unknown(): string[] {
    return Object.keys(this.map).filter((k) => !this.read.has(k));
  }

  finish(): void {
    const extra = this.unknown();
    if (extra.length > 0) this.fail(extra[0] as string, `unknown field (known here: ${[...this.read].sort().join(', ')})`);
  }
}

export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return `${typeof v} ${JSON.stringify(v)}`;
}
