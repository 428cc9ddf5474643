/**
 * The units a graph can use: the built-ins (./units) and the ones a graph's `[driver] dir` folders describe.
 * Registering a unit twice under one name is an error (a graph must not run a different unit than it names).
 */
import type { UnitLookup } from './graph/build.js';
import type { UnitDefinition } from './types.js';

export class UnitRegistry implements UnitLookup {
  private readonly units = new Map<string, UnitDefinition>();

  constructor(units: readonly UnitDefinition[] = []) {
    for (const unit of units) this.register(unit);
  }

  register(unit: UnitDefinition): this {
    const name = unit.description.name;
    if (this.units.has(name)) throw new Error(`unit ${name} is registered twice`);
    this.units.set(name, unit);
    return this;
  }

  get(name: string): UnitDefinition | undefined {
    return this.units.get(name);
  }

  names(): string[] {
    return [...this.units.keys()];
  }

  /** A copy, to add a graph's own units without changing this one. */
  clone(): UnitRegistry {
    return new UnitRegistry([...this.units.values()]);
  }

  /** The catalogue the console's composer reads (ModelBox's `flow-info` shape). */
  describe(): { flowunits: unknown[] } {
    return {
      flowunits: [...this.units.values()].map(({ description: d }) => ({
        name: d.name,
        type: d.kind,
        version: d.version,
        description: d.description,
        group: d.kind,
        inputports: d.inputs.map((p) => ({ name: p.name, port_type: p.type, device_type: d.device })),
        outputports: d.outputs.map((p) => ({ name: p.name, port_type: p.type, device_type: d.device })),
        options: d.options.map((o) => ({ name: o.name, type: o.type, default: o.default, desc: o.description, required: o.required ?? false, ...(o.env ? { env: o.env } : {}) })),
      })),
    };
  }
}
