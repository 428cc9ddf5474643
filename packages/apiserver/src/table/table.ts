/** Server-side printing: the `meta.k8s.io/v1 Table` kubectl asks for with `Accept: ...;as=Table`. */
import { humanDuration, type KindDefinition, type KubeObject } from '@sedna/api';
import { evaluateJsonPath } from './jsonpath.js';

export type IncludeObject = 'None' | 'Metadata' | 'Object';

export interface TableColumn {
  name: string;
  type: string;
  format: string;
  description: string;
  priority: number;
}

export function tableColumns(def: KindDefinition): TableColumn[] {
  return [
    { name: 'Name', type: 'string', format: 'name', description: 'Name must be unique within a namespace.', priority: 0 },
    ...def.printerColumns.map((c) => ({
      name: c.name,
      type: c.type === 'date' ? 'string' : c.type,
      format: c.type === 'date' ? 'date' : '',
      description: c.description ?? c.jsonPath,
      priority: c.priority ?? 0,
    })),
  ];
}

export { humanDuration };

function cell(def: KindDefinition, index: number, object: KubeObject, now: number): unknown {
  const column = def.printerColumns[index]!;
  if (column.compute) return column.compute(object);
  const values = evaluateJsonPath(column.jsonPath, object);
  if (values.length === 0) return column.type === 'date' ? '<unknown>' : null;
  if (column.type === 'date') {
    const time = Date.parse(String(values[0]));
    return Number.isNaN(time) ? String(values[0]) : humanDuration(now - time);
  }
  if (values.length === 1) {
    const v = values[0];
    return typeof v === 'object' ? JSON.stringify(v) : v;
  }
  return values.map((v) => (typeof v === 'object' ? JSON.stringify(v) : String(v))).join(',');
}

export function tableRow(def: KindDefinition, object: KubeObject, include: IncludeObject, now = Date.now()): Record<string, unknown> {
  const cells: unknown[] = [object.metadata.name ?? ''];
  for (let i = 0; i < def.printerColumns.length; i++) cells.push(cell(def, i, object, now));
  const row: Record<string, unknown> = { cells };
  if (include === 'Object') row['object'] = object;
  else if (include === 'Metadata') row['object'] = { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: object.metadata };
  return row;
}

export function table(def: KindDefinition, objects: readonly KubeObject[], include: IncludeObject, listMeta: Record<string, unknown>, withColumns = true): Record<string, unknown> {
  const now = Date.now();
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: listMeta,
    ...(withColumns ? { columnDefinitions: tableColumns(def) } : { columnDefinitions: null }),
    rows: objects.map((o) => tableRow(def, o, include, now)),
  };
}
