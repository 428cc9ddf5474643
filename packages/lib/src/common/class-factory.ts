/**
 * The plug-in registry: algorithms register under a type and a name, and jobs look them up by the names
 * that appear in CRDs and environment variables (`IBT`, `FedAvg`, ...). Registry names are part of the
 * external contract, so the type strings are the original ones, typo included.
 */
import type { AlgorithmSpec } from './config.js';
import type { ParamValue } from './parameters.js';

export const ClassType = {
  GENERAL: 'general',
  HEM: 'hard_example_mining',
  FL_AGG: 'aggregation',
  /** Spelled as in the original ("learening"): registry names must interoperate. */
  MTL: 'multi_task_learening',
  UTD: 'unseen_task_detect',
  OF: 'optical_flow',
  ALGORITHM: 'algorithm',
  DATASET: 'data_process',
  CALLBACK: 'post_process_callback',
  UTP: 'unseen_task_processing',
  KM: 'knowledge_management',
  STP: 'seen_task_processing',
  /** Not in the original (its client choice lived in Plato): federated client selection policies. */
  CLIENT_CHOOSE: 'client_choose',
  /** Not in the original: codecs that compress weight updates for transfer. */
  COMPRESSION: 'compression',
} as const;

export type ClassTypeName = (typeof ClassType)[keyof typeof ClassType];

/**
 * Anything that can be registered: a class (instantiated with the method dict's `param`) or a plain
 * function (a callback, for instance). The registry does not know the signature; typed lookups such as
 * `createFromSpec` state what they expect.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Registrable = (abstract new (...args: any[]) => unknown) | ((...args: any[]) => unknown);

/** A class that is built from the method dict's `param` object, the way every built-in algorithm is. */
export type ParamConstructor<T> = new (param: Readonly<Record<string, ParamValue>>) => T;

/** `Registrable`'s name: a class or function's own name. */
function nameOf(target: Registrable): string {
  return target.name;
}

export class UnknownAlgorithmError extends Error {
  constructor(
    readonly type: string,
    readonly alias: string,
    readonly known: readonly string[],
  ) {
    const list = known.length === 0 ? 'none are registered' : `known: ${known.join(', ')}`;
    super(`no "${alias}" registered as ${type} (${list})`);
    this.name = 'UnknownAlgorithmError';
  }
}

class Registry {
  private readonly byType = new Map<string, Map<string, Registrable>>();

  /**
   * Returns a function that registers a class or function under `type` and `alias` (default: its name) and
   * returns it unchanged. Call it plainly, `ClassFactory.register(ClassType.HEM, 'IBT')(IBTFilter)`, or use
   * it as a decorator. Registering a different class under a taken name throws (the original silently
   * overwrote); registering the same one again is a no-op.
   */
  register(type: string = ClassType.GENERAL, alias?: string): <T extends Registrable>(target: T, _decoratorContext?: unknown) => T {
    return <T extends Registrable>(target: T): T => {
      this.registerCls(target, type, alias);
      return target;
    };
  }

  registerCls<T extends Registrable>(target: T, type: string = ClassType.GENERAL, alias?: string): T {
    const name = alias ?? nameOf(target);
    if (name === '') throw new Error(`ClassFactory.register: an anonymous ${type} needs an alias`);
    let names = this.byType.get(type);
    if (names === undefined) {
      names = new Map();
      this.byType.set(type, names);
    }
    const existing = names.get(name);
    if (existing !== undefined && existing !== target) {
      throw new Error(`ClassFactory.register: "${name}" is already registered as ${type} by another class; unregister it first to replace it`);
    }
    names.set(name, target);
    return target;
  }

  /** Removes a registration (returns whether there was one): for tests and deliberate replacement. */
  unregister(type: string, alias: string): boolean {
    return this.byType.get(type)?.delete(alias) ?? false;
  }

  /** Without `alias`: whether anything is registered under `type`. */
  isRegistered(type: string, alias?: string): boolean {
    const names = this.byType.get(type);
    if (names === undefined) return false;
    return alias === undefined ? names.size > 0 : names.has(alias);
  }

  /** The registered class or function; an unknown name throws an error listing the known ones. */
  getCls(type: string, alias: string): Registrable {
    const found = this.byType.get(type)?.get(alias);
    if (found === undefined) throw new UnknownAlgorithmError(type, alias, this.list(type));
    return found;
  }

  /** Registered names of `type`, sorted. */
  list(type: string): string[] {
    return [...(this.byType.get(type)?.keys() ?? [])].sort();
  }

  /**
   * Instantiates the class a method dict names: `new (getCls(type, spec.method))(spec.param)`. `param` may be
   * an object or a JSON object string (as the original accepted); a bad string is an error.
   */
  createFromSpec<T>(type: string, spec: AlgorithmSpec | { method: string; param?: Record<string, ParamValue> | string }): T {
    if (typeof spec.method !== 'string' || spec.method === '') throw new Error(`${type}: the method dict needs a "method" name`);
    const param = normalizeParam(spec.param, `${type} "${spec.method}"`);
    const target = this.getCls(type, spec.method) as ParamConstructor<T>;
    return new target(param);
  }
}

/**
 * A method dict's `param` as an object: given as one, or as a JSON object string (as the original accepted); absent
 * or empty is `{}`. `owner` names the algorithm in the error a bad string gets. The lifelong slots share it.
 */
export function normalizeParam<P extends object = Readonly<Record<string, ParamValue>>>(param: P | string | undefined, owner: string): P {
  if (param === undefined || param === '') return {} as P;
  if (typeof param !== 'string') return param;
  let parsed: unknown;
  try {
    parsed = JSON.parse(param);
  } catch (error) {
    throw new Error(`${owner}: param is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error(`${owner}: param must be a JSON object`);
  return parsed as P;
}

/** The process-wide registry. Importing `@sedna/lib`'s algorithms registers the built-in ones. */
export const ClassFactory = new Registry();
