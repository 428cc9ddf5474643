/** Field selectors: `metadata.name=x,spec.nodeName!=y`, limited per kind to the fields Kubernetes supports. */
import type { KubeObject } from '@sedna/api';
import { errors } from '../http/errors.js';

const COMMON = ['metadata.name', 'metadata.namespace'];
const EXTRA: Record<string, string[]> = {
  Pod: ['spec.nodeName', 'spec.restartPolicy', 'status.phase', 'status.podIP'],
  Event: [
    'involvedObject.kind',
    'involvedObject.namespace',
    'involvedObject.name',
    'involvedObject.uid',
    'involvedObject.apiVersion',
    'involvedObject.resourceVersion',
    'involvedObject.fieldPath',
    'reason',
    'type',
    'source',
    'reportingComponent',
  ],
  Secret: ['type'],
  Node: ['spec.unschedulable'],
  Dataset: ['spec.nodeName'],
  Namespace: ['status.phase'],
};

export type FieldPredicate = (object: KubeObject) => boolean;

interface FieldRequirement {
  field: string;
  value: string;
  negate: boolean;
}

function fieldValue(object: KubeObject, field: string): string {
  if (field === 'source') {
    const source = object['source'] as { component?: string } | undefined;
    return source?.component ?? '';
  }
  let cur: unknown = object;
  for (const part of field.split('.')) {
    if (cur === null || typeof cur !== 'object') return '';
    cur = (cur as Record<string, unknown>)[part];
  }
  if (cur === undefined || cur === null) return '';
  return String(cur);
}

export function fieldPredicate(kind: string, text: string | undefined): FieldPredicate | undefined {
  if (!text || text.trim() === '') return undefined;
  const allowed = new Set([...COMMON, ...(EXTRA[kind] ?? [])]);
  const reqs: FieldRequirement[] = [];
  for (const term of text.split(',').map((t) => t.trim()).filter((t) => t !== '')) {
    const m = /^([A-Za-z0-9_.]+)\s*(==|=|!=)\s*(.*)$/.exec(term);
    if (!m) throw errors.badRequest(`invalid field selector term "${term}": expected field=value or field!=value`);
    const field = m[1]!;
    if (!allowed.has(field)) throw errors.badRequest(`field label not supported: ${field} (supported for ${kind}: ${[...allowed].join(', ')})`);
    reqs.push({ field, value: m[3]!, negate: m[2] === '!=' });
  }
  return (object) => reqs.every((r) => (fieldValue(object, r.field) === r.value) !== r.negate);
}
