/**
 * Strategic merge patch for the core kinds, as far as our fields need it: like a merge patch, except that lists
 * with a known merge key (containers by name, env by name, conditions by type, ...) merge element by element, and
 * the `$patch: delete|replace` directive and `$deleteFromPrimitiveList/<field>` work. Other directives
 * (`$setElementOrder`, `$retainKeys`) are accepted and ignored: element order then follows the original list.
 */
import { isObject } from './merge-patch.js';

const MERGE_KEYS: Record<string, string> = {
  containers: 'name',
  initContainers: 'name',
  env: 'name',
  volumes: 'name',
  volumeMounts: 'mountPath',
  ports: 'containerPort',
  conditions: 'type',
  addresses: 'type',
  containerStatuses: 'name',
  imagePullSecrets: 'name',
  ownerReferences: 'uid',
  tolerations: 'key',
};
// Service ports merge by port, not containerPort; told apart by the parent field.
const SERVICE_PORT_KEY = 'port';

export function applyStrategicMergePatch(target: unknown, patch: unknown, parentField = ''): unknown {
  if (!isObject(patch)) return patch;
  if (patch['$patch'] === 'replace') {
    const { $patch: _ignored, ...rest } = patch;
    return rest;
  }
  if (patch['$patch'] === 'delete') return undefined;
  const out: Record<string, unknown> = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (key.startsWith('$setElementOrder/') || key === '$retainKeys' || key === '$patch') continue;
    if (key.startsWith('$deleteFromPrimitiveList/')) {
      const field = key.slice('$deleteFromPrimitiveList/'.length);
      const current = out[field];
      if (Array.isArray(current) && Array.isArray(value)) out[field] = current.filter((v) => !value.includes(v));
      continue;
    }
    if (value === null) {
      delete out[key];
      continue;
    }
    const mergeKey = key === 'ports' && parentField === 'spec' && !('containers' in out) ? SERVICE_PORT_KEY : MERGE_KEYS[key];
    if (Array.isArray(value) && mergeKey && Array.isArray(out[key])) {
      out[key] = mergeList(out[key] as unknown[], value, mergeKey, key);
    } else if (isObject(value)) {
      const merged = applyStrategicMergePatch(out[key], value, key);
      if (merged === undefined) delete out[key];
      else out[key] = merged;
    } else {
      out[key] = value;
    }
  }
  return out;
}

function mergeList(current: unknown[], patch: unknown[], mergeKey: string, field: string): unknown[] {
  const out = [...current];
  for (const item of patch) {
    if (!isObject(item) || !(mergeKey in item)) {
      out.push(item);
      continue;
    }
    const index = out.findIndex((c) => isObject(c) && c[mergeKey] === item[mergeKey]);
    if (item['$patch'] === 'delete') {
      if (index >= 0) out.splice(index, 1);
    } else if (index >= 0) {
      out[index] = applyStrategicMergePatch(out[index], item, field);
    } else {
      const { $patch: _ignored, ...rest } = item;
      out.push(rest);
    }
  }
  return out;
}
