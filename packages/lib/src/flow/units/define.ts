/** A compact way to declare a built-in unit: ports as `[name, type]` pairs, options, and its code. */
import type { OptionSpec, PortSpec, PortType, UnitContext, UnitDefinition, UnitDescription, UnitInstance, UnitKind } from '../types.js';

export interface UnitDeclaration {
  name: string;
  kind: UnitKind;
  description: string;
  inputs?: readonly (readonly [string, PortType])[];
  outputs?: readonly (readonly [string, PortType])[];
  options?: readonly OptionSpec[];
  cpuBound?: boolean;
  /** The unit never reads its items' metas (UnitDescription.ignoresMeta). */
  ignoresMeta?: boolean;
  /** For cpuBound units: a self-contained `(ports, options) => ports` (see UnitDefinition.threadFunction). */
  threadFunction?: (ports: Record<string, unknown>, options: Record<string, unknown>) => Record<string, unknown>;
  open(context: UnitContext): Promise<UnitInstance> | UnitInstance;
}

const ports = (list: UnitDeclaration['inputs']): PortSpec[] => (list ?? []).map(([name, type]) => ({ name, type }));

export function defineUnit(d: UnitDeclaration): UnitDefinition {
  const description: UnitDescription = {
    name: d.name,
    kind: d.kind,
    description: d.description,
    version: '1.0.0',
    device: 'cpu',
    inputs: ports(d.inputs),
    outputs: ports(d.outputs),
    options: d.options ?? [],
    ...(d.cpuBound ? { cpuBound: true } : {}),
    ...(d.ignoresMeta ? { ignoresMeta: true } : {}),
  };
  return { description, open: d.open, ...(d.threadFunction ? { threadFunction: d.threadFunction.toString() } : {}) };
}

/** Reads a checked option (the graph builder has converted it to the declared type). */
export function option<T extends string | number | boolean | readonly (string | number)[]>(context: UnitContext, name: string): T {
  return context.options[name] as T;
}

/** An option that may be unset. */
export function optionalOption<T>(context: UnitContext, name: string): T | undefined {
  return context.options[name] as T | undefined;
}
