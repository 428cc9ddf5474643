/**
 * ModelBox flowunits as composer units: a flowunit TOML file (read with the flow runtime's own parser,
 * `@sedna/lib/flow/description`) or the control plane's built-in catalogue (`sedna flow units`' JSON) gives a unit
 * with its typed ports and its options as fields.
 */
import { parseFlowunitToml, type UnitDescription } from '@sedna/lib/flow/description';
import type { UnitDef } from '../composer/units.js';

export const FLOWUNIT_PREFIX = 'flowunit:';

export function unitFromDescription(d: UnitDescription): UnitDef {
  return {
    type: `${FLOWUNIT_PREFIX}${d.name}`,
    label: d.name,
    group: 'flowunit',
    inputs: d.inputs.map((p) => ({ name: p.name, type: p.type })),
    outputs: d.outputs.map((p) => ({ name: p.name, type: p.type })),
    fields: d.options.map((o) => ({ name: o.name, label: o.name, ...(o.default !== undefined ? { default: String(o.default) } : {}) })),
  };
}

/** A flowunit TOML file's text (ModelBox's `<unit>/<unit>.toml`); throws the parser's error naming the key. */
export function readFlowunitToml(text: string, fileName: string): UnitDef {
  return unitFromDescription(parseFlowunitToml(text, fileName, '.').description);
}

interface CatalogueEntry {
  name: string;
  type: string;
  description?: string;
  inputports: { name: string; port_type: string }[];
  outputports: { name: string; port_type: string }[];
  options: { name: string; default?: unknown }[];
}

/** The built-in units of the flow runtime, in `sedna flow units`' (ModelBox flow-info) shape. */
export function unitsFromCatalogue(catalogue: { flowunits: CatalogueEntry[] }): UnitDef[] {
  return catalogue.flowunits.map((u) => ({
    type: `${FLOWUNIT_PREFIX}${u.name}`,
    label: u.name,
    group: 'flowunit',
    inputs: u.inputports.map((p) => ({ name: p.name, type: p.port_type })),
    outputs: u.outputports.map((p) => ({ name: p.name, type: p.port_type })),
    fields: u.options.map((o) => ({ name: o.name, label: o.name, ...(o.default !== undefined ? { default: Array.isArray(o.default) ? o.default.join(',') : String(o.default) } : {}) })),
  }));
}
