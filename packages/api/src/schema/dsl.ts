/**
 * A small schema language: one definition gives the TypeScript type (`Infer<typeof S>`), runtime validation
 * with defaulting (Kubernetes-style field errors), and the OpenAPI v3 schema used in CRD manifests and in the
 * API server's published OpenAPI document.
 *
 * Why our own and not zod or JSON Schema plus ajv: CRD schemas must be "structural" (no $ref, no oneOf at the
 * top, x-kubernetes-* extensions), errors must name fields the way Kubernetes does (`spec.dataset.name`), and
 * unknown fields must be either rejected (strict field validation) or pruned, as the real API server does.
 */

export type FieldErrorType =
  | 'FieldValueRequired'
  | 'FieldValueInvalid'
  | 'FieldValueTypeInvalid'
  | 'FieldValueNotSupported'
  | 'FieldValueNotFound'
  | 'FieldValueDuplicate'
  | 'FieldValueTooLong'
  | 'FieldValueForbidden'
  | 'FieldValueUnknown';

export interface FieldError {
  readonly type: FieldErrorType;
  /** Dotted path with indices, as Kubernetes prints it: `spec.trainingWorkers[0].dataset.name`. */
  readonly field: string;
  /** Kubernetes-style message, e.g. `Required value` or `Invalid value: "A": must be lower case`. */
  readonly message: string;
}

/** What to do with object keys a schema does not know. */
export type UnknownFieldPolicy = 'reject' | 'prune';

export class ValidationContext {
  readonly errors: FieldError[] = [];
  readonly unknownFields: string[] = [];
  constructor(readonly unknownFieldPolicy: UnknownFieldPolicy = 'reject') {}

  error(type: FieldErrorType, field: string, message: string): undefined {
    this.errors.push({ type, field, message });
    return undefined;
  }
  required(field: string): undefined {
    return this.error('FieldValueRequired', field, 'Required value');
  }
  invalid(field: string, value: unknown, detail: string): undefined {
    return this.error('FieldValueInvalid', field, `Invalid value: ${quote(value)}: ${detail}`);
  }
  typeInvalid(field: string, value: unknown, expected: string): undefined {
    return this.error('FieldValueTypeInvalid', field, `Invalid value: ${quote(value)}: ${field} in body must be of type ${expected}: ${quote(jsonType(value))}`);
  }
}

export function quote(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === undefined) return 'undefined';
  const text = JSON.stringify(value);
  return text.length > 80 ? text.slice(0, 77) + '...' : text;
}

export function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

export function joinPath(base: string, key: string): string {
  return base === '' ? key : `${base}.${key}`;
}

/** An OpenAPI v3 schema object, as far as structural CRD schemas use it. */
export interface OpenApiSchema {
  type?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';
  format?: string;
  description?: string;
  properties?: Record<string, OpenApiSchema>;
  required?: string[];
  items?: OpenApiSchema;
  additionalProperties?: OpenApiSchema | boolean;
  enum?: unknown[];
  pattern?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  default?: unknown;
  nullable?: boolean;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-embedded-resource'?: boolean;
  anyOf?: OpenApiSchema[];
}

/**
 * A schema checks a value and returns its normalised form. `T` is the output (what a reader gets: defaults applied);
 * `I` the input (what a writer may send: defaulted fields may be left out). `I` is `unknown` where a schema is only
 * named by its output type (`Schema<X>`), so such a schema accepts any input type-wise and is still checked at run time.
 */
export abstract class Schema<T, I = unknown> {
  /** Phantom field carrying the output type; never set at run time. */
  declare readonly __type: T;
  /** Phantom field carrying the input type; never set at run time. */
  declare readonly __input: I;
  protected doc?: string;

  /** Validates `value` at `path`; returns the normalised value (defaults applied, unknown keys pruned). */
  abstract check(value: unknown, path: string, ctx: ValidationContext): T | undefined;
  protected abstract openApiBody(): OpenApiSchema;

  openApi(): OpenApiSchema {
    const body = this.openApiBody();
    return this.doc ? { description: this.doc, ...body } : body;
  }
  describe(doc: string): this {
    this.doc = doc;
    return this;
  }
  optional(): OptionalSchema<T, I> {
    return new OptionalSchema(this);
  }
  default(value: T): DefaultSchema<T, I> {
    return new DefaultSchema(this, value);
  }
  /** Validates a whole value; convenient in tests and for config files. */
  parse(value: unknown, policy: UnknownFieldPolicy = 'reject'): { value: T | undefined; errors: FieldError[] } {
    const ctx = new ValidationContext(policy);
    const out = this.check(value, '', ctx);
    for (const field of ctx.unknownFields) ctx.error('FieldValueUnknown', field, 'unknown field');
    return { value: ctx.errors.length === 0 ? out : undefined, errors: ctx.errors };
  }
}

export type Infer<S> = S extends Schema<infer T> ? T : never;
/** What a writer may send for `S`: the output type with every defaulted or optional field optional, at every depth. */
export type InferInput<S> = S extends Schema<unknown, infer I> ? I : never;

/** A field that may be absent (or null, which Kubernetes treats as absent). */
export class OptionalSchema<T, I = T> extends Schema<T | undefined, I | undefined> {
  constructor(readonly inner: Schema<T, I>) {
    super();
  }
  check(value: unknown, path: string, ctx: ValidationContext): T | undefined {
    if (value === undefined || value === null) return undefined;
    return this.inner.check(value, path, ctx);
  }
  protected openApiBody(): OpenApiSchema {
    return this.inner.openApi();
  }
}

/** A field that takes a default value when absent; present in the output type. */
export class DefaultSchema<T, I = T> extends Schema<T, I | undefined> {
  constructor(
    readonly inner: Schema<T, I>,
    readonly defaultValue: T,
  ) {
    super();
  }
  check(value: unknown, path: string, ctx: ValidationContext): T | undefined {
    if (value === undefined || value === null) return structuredClone(this.defaultValue);
    return this.inner.check(value, path, ctx);
  }
  protected openApiBody(): OpenApiSchema {
    return { ...this.inner.openApi(), default: this.defaultValue };
  }
}

export interface StringOptions {
  pattern?: RegExp;
  /** Human explanation of the pattern, used in the error message. */
  patternMessage?: string;
  maxLength?: number;
  minLength?: number;
  format?: 'date-time' | 'byte';
  /** Extra check that returns an error detail, or undefined when the value is fine. */
  refine?: (value: string) => string | undefined;
}

export class StringSchema<T extends string = string> extends Schema<T, T> {
  constructor(readonly options: StringOptions = {}) {
    super();
  }
  check(value: unknown, path: string, ctx: ValidationContext): T | undefined {
    if (typeof value !== 'string') return ctx.typeInvalid(path, value, 'string');
    const o = this.options;
    if (o.minLength !== undefined && value.length < o.minLength) {
      return o.minLength === 1 ? ctx.required(path) : ctx.invalid(path, value, `must be at least ${o.minLength} characters`);
    }
    if (o.maxLength !== undefined && value.length > o.maxLength) {
      return ctx.error('FieldValueTooLong', path, `Too long: may not be more than ${o.maxLength} bytes`);
    }
    if (o.pattern && !o.pattern.test(value)) {
      return ctx.invalid(path, value, o.patternMessage ?? `must match the pattern ${o.pattern.source}`);
    }
    if (o.format === 'date-time' && Number.isNaN(Date.parse(value))) {
      return ctx.invalid(path, value, 'must be an RFC 3339 date-time');
    }
    const refined = o.refine?.(value);
    if (refined) return ctx.invalid(path, value, refined);
    return value as T;
  }
  protected openApiBody(): OpenApiSchema {
    const o = this.options;
    const out: OpenApiSchema = { type: 'string' };
    if (o.format) out.format = o.format;
    if (o.pattern) out.pattern = o.pattern.source;
    if (o.maxLength !== undefined) out.maxLength = o.maxLength;
    if (o.minLength !== undefined) out.minLength = o.minLength;
    return out;
  }
}

export class EnumSchema<T extends string> extends Schema<T, T> {
  constructor(readonly values: readonly T[]) {
    super();
  }
  check(value: unknown, path: string, ctx: ValidationContext): T | undefined {
    if (typeof value !== 'string') return ctx.typeInvalid(path, value, 'string');
    if (!(this.values as readonly string[]).includes(value)) {
      return ctx.error('FieldValueNotSupported', path, `Unsupported value: ${quote(value)}: supported values: ${this.values.map((v) => quote(v)).join(', ')}`);
    }
    return value as T;
  }
  protected openApiBody(): OpenApiSchema {
    return { type: 'string', enum: [...this.values] };
  }
}

export interface NumberOptions {
  minimum?: number;
  maximum?: number;
}

export class NumberSchema extends Schema<number, number> {
  constructor(
    readonly format: 'int32' | 'int64' | 'float' | 'double',
    readonly options: NumberOptions = {},
  ) {
    super();
  }
  private get integer(): boolean {
    return this.format === 'int32' || this.format === 'int64';
  }
  check(value: unknown, path: string, ctx: ValidationContext): number | undefined {
    if (typeof value !== 'number' || !Number.isFinite(value)) return ctx.typeInvalid(path, value, this.integer ? 'integer' : 'number');
    if (this.integer && !Number.isInteger(value)) return ctx.typeInvalid(path, value, 'integer');
    if (this.format === 'int32' && (value > 2147483647 || value < -2147483648)) return ctx.invalid(path, value, 'must fit in a 32-bit integer');
    const o = this.options;
    if (o.minimum !== undefined && value < o.minimum) return ctx.invalid(path, value, `must be greater than or equal to ${o.minimum}`);
    if (o.maximum !== undefined && value > o.maximum) return ctx.invalid(path, value, `must be less than or equal to ${o.maximum}`);
    return value;
  }
  protected openApiBody(): OpenApiSchema {
    const out: OpenApiSchema = { type: this.integer ? 'integer' : 'number', format: this.format };
    if (this.options.minimum !== undefined) out.minimum = this.options.minimum;
    if (this.options.maximum !== undefined) out.maximum = this.options.maximum;
    return out;
  }
}

export class BooleanSchema extends Schema<boolean, boolean> {
  check(value: unknown, path: string, ctx: ValidationContext): boolean | undefined {
    if (typeof value !== 'boolean') return ctx.typeInvalid(path, value, 'boolean');
    return value;
  }
  protected openApiBody(): OpenApiSchema {
    return { type: 'boolean' };
  }
}

/** Kubernetes IntOrString (ports, quantities): either an integer or a string. */
export class IntOrStringSchema extends Schema<number | string, number | string> {
  constructor(readonly pattern?: RegExp) {
    super();
  }
  check(value: unknown, path: string, ctx: ValidationContext): number | string | undefined {
    if (typeof value === 'number' && Number.isFinite(value)) return value;
    if (typeof value === 'string') {
      if (this.pattern && !this.pattern.test(value)) return ctx.invalid(path, value, `must match the pattern ${this.pattern.source}`);
      return value;
    }
    return ctx.typeInvalid(path, value, 'integer or string');
  }
  protected openApiBody(): OpenApiSchema {
    const out: OpenApiSchema = {
      anyOf: [{ type: 'integer' }, { type: 'string' }],
      'x-kubernetes-int-or-string': true,
    };
    if (this.pattern) out.pattern = this.pattern.source;
    return out;
  }
}

/** Any JSON value kept as is (free-form maps such as worker `ownerInfo`). */
export class AnySchema extends Schema<unknown, unknown> {
  check(value: unknown): unknown {
    return value;
  }
  protected openApiBody(): OpenApiSchema {
    return { 'x-kubernetes-preserve-unknown-fields': true };
  }
}

/** Any JSON object kept as is. */
export class FreeObjectSchema extends Schema<Record<string, unknown>, Record<string, unknown>> {
  check(value: unknown, path: string, ctx: ValidationContext): Record<string, unknown> | undefined {
    if (!isPlainObject(value)) return ctx.typeInvalid(path, value, 'object');
    return value;
  }
  protected openApiBody(): OpenApiSchema {
    return { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
  }
}

export interface ArrayOptions {
  /** Item field whose values must be unique (Kubernetes list-map key such as `name`). */
  uniqueKey?: string;
  minItems?: number;
}

export class ArraySchema<T, I = T> extends Schema<T[], I[]> {
  constructor(
    readonly item: Schema<T, I>,
    readonly options: ArrayOptions = {},
  ) {
    super();
  }
  check(value: unknown, path: string, ctx: ValidationContext): T[] | undefined {
    if (!Array.isArray(value)) return ctx.typeInvalid(path, value, 'array');
    if (this.options.minItems !== undefined && value.length < this.options.minItems) {
      return this.options.minItems === 1 ? ctx.required(path) : ctx.invalid(path, value.length, `must have at least ${this.options.minItems} items`);
    }
    const out: T[] = [];
    const seen = new Set<unknown>();
    value.forEach((item, i) => {
      const itemPath = `${path}[${i}]`;
      const checked = this.item.check(item, itemPath, ctx);
      const key = this.options.uniqueKey;
      if (key && isPlainObject(item) && item[key] !== undefined) {
        if (seen.has(item[key])) ctx.error('FieldValueDuplicate', joinPath(itemPath, key), `Duplicate value: ${quote(item[key])}`);
        seen.add(item[key]);
      }
      out.push(checked as T);
    });
    return out;
  }
  protected openApiBody(): OpenApiSchema {
    const out: OpenApiSchema = { type: 'array', items: this.item.openApi() };
    if (this.options.minItems !== undefined) out.minItems = this.options.minItems;
    return out;
  }
}

/** A map with string keys and values of one schema (labels, annotations, resource lists). */
export class MapSchema<T, I = T> extends Schema<Record<string, T>, Record<string, I>> {
  constructor(
    readonly value: Schema<T, I>,
    readonly keyCheck?: (key: string) => string | undefined,
  ) {
    super();
  }
  check(value: unknown, path: string, ctx: ValidationContext): Record<string, T> | undefined {
    if (!isPlainObject(value)) return ctx.typeInvalid(path, value, 'object');
    const out: Record<string, T> = {};
    for (const [key, item] of Object.entries(value)) {
      const keyError = this.keyCheck?.(key);
      if (keyError) ctx.invalid(path, key, keyError);
      const checked = this.value.check(item, `${path}[${key}]`, ctx);
      if (checked !== undefined) out[key] = checked;
    }
    return out;
  }
  protected openApiBody(): OpenApiSchema {
    return { type: 'object', additionalProperties: this.value.openApi() };
  }
}

export type Shape = Record<string, Schema<unknown>>;
type OptionalKeys<S extends Shape> = { [K in keyof S]: S[K] extends OptionalSchema<unknown> ? K : never }[keyof S];
type RequiredKeys<S extends Shape> = Exclude<keyof S, OptionalKeys<S>>;
type Simplify<T> = { [K in keyof T]: T[K] } & {};
export type InferShape<S extends Shape> = Simplify<
  { [K in RequiredKeys<S>]: Infer<S[K]> } & { [K in OptionalKeys<S>]?: Exclude<Infer<S[K]>, undefined> }
>;
/** Input keys a writer may leave out: optional and defaulted fields (their input type admits undefined). */
type InputOptionalKeys<S extends Shape> = { [K in keyof S]: undefined extends InferInput<S[K]> ? K : never }[keyof S];
type InputRequiredKeys<S extends Shape> = Exclude<keyof S, InputOptionalKeys<S>>;
export type InputShape<S extends Shape> = Simplify<
  { [K in InputRequiredKeys<S>]: InferInput<S[K]> } & { [K in InputOptionalKeys<S>]?: Exclude<InferInput<S[K]>, undefined> }
>;

export interface ObjectOptions {
  /** Keep keys the shape does not name (x-kubernetes-preserve-unknown-fields). */
  preserveUnknown?: boolean;
  /** Cross-field check run after the fields validated cleanly; pushes its own errors. */
  refine?: (value: Record<string, unknown>, path: string, ctx: ValidationContext) => void;
}

export class ObjectSchema<S extends Shape> extends Schema<InferShape<S>, InputShape<S>> {
  constructor(
    readonly shape: S,
    readonly options: ObjectOptions = {},
  ) {
    super();
  }
  check(value: unknown, path: string, ctx: ValidationContext): InferShape<S> | undefined {
    if (!isPlainObject(value)) return ctx.typeInvalid(path || '<root>', value, 'object');
    const out: Record<string, unknown> = {};
    const before = ctx.errors.length;
    for (const [key, schema] of Object.entries(this.shape)) {
      const fieldPath = joinPath(path, key);
      const raw = value[key];
      if ((raw === undefined || raw === null) && !(schema instanceof OptionalSchema) && !(schema instanceof DefaultSchema)) {
        ctx.required(fieldPath);
        continue;
      }
      const checked = schema.check(raw, fieldPath, ctx);
      if (checked !== undefined) out[key] = checked;
    }
    for (const [key, raw] of Object.entries(value)) {
      if (key in this.shape) continue;
      if (this.options.preserveUnknown) out[key] = raw;
      else if (ctx.unknownFieldPolicy === 'reject') ctx.unknownFields.push(joinPath(path, key));
    }
    if (this.options.refine && ctx.errors.length === before) this.options.refine(out, path, ctx);
    return out as InferShape<S>;
  }
  protected openApiBody(): OpenApiSchema {
    const properties: Record<string, OpenApiSchema> = {};
    const required: string[] = [];
    for (const [key, schema] of Object.entries(this.shape)) {
      properties[key] = schema.openApi();
      if (!(schema instanceof OptionalSchema) && !(schema instanceof DefaultSchema)) required.push(key);
    }
    const out: OpenApiSchema = { type: 'object', properties };
    if (required.length > 0) out.required = required;
    if (this.options.preserveUnknown) out['x-kubernetes-preserve-unknown-fields'] = true;
    return out;
  }
  /** A copy of this object schema with more fields (Go's inline embedding). */
  extend<E extends Shape>(extra: E, options: ObjectOptions = this.options): ObjectSchema<S & E> {
    return new ObjectSchema({ ...this.shape, ...extra } as S & E, options);
  }
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Builders; `s.object({...})` reads like the Go types it mirrors. */
export const s = {
  string: (options?: StringOptions) => new StringSchema(options),
  enum: <T extends string>(...values: T[]) => new EnumSchema<T>(values),
  int32: (options?: NumberOptions) => new NumberSchema('int32', options),
  int64: (options?: NumberOptions) => new NumberSchema('int64', options),
  float: (options?: NumberOptions) => new NumberSchema('float', options),
  double: (options?: NumberOptions) => new NumberSchema('double', options),
  boolean: () => new BooleanSchema(),
  intOrString: (pattern?: RegExp) => new IntOrStringSchema(pattern),
  any: () => new AnySchema(),
  freeObject: () => new FreeObjectSchema(),
  array: <T, I>(item: Schema<T, I>, options?: ArrayOptions) => new ArraySchema(item, options),
  map: <T, I>(value: Schema<T, I>, keyCheck?: (key: string) => string | undefined) => new MapSchema(value, keyCheck),
  object: <S extends Shape>(shape: S, options?: ObjectOptions) => new ObjectSchema(shape, options),
  time: () => new StringSchema({ format: 'date-time' }),
};
