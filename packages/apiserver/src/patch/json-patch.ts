/** JSON patch (RFC 6902) with JSON pointers (RFC 6901). Works on a deep copy; the input is never changed. */
import { errors } from '../http/errors.js';

interface Operation {
  op: string;
  path: string;
  value?: unknown;
  from?: string;
}

function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw errors.badRequest(`invalid JSON pointer "${pointer}": must start with /`);
  return pointer.slice(1).split('/').map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
}

type Container = Record<string, unknown> | unknown[];

function resolveParent(doc: unknown, tokens: string[], pointer: string): { parent: Container; key: string } {
  let cur: unknown = doc;
  for (const token of tokens.slice(0, -1)) {
    if (Array.isArray(cur)) cur = cur[arrayIndex(cur, token, pointer, false)];
    else if (cur !== null && typeof cur === 'object') cur = (cur as Record<string, unknown>)[token];
    else cur = undefined;
    if (cur === undefined) throw errors.badRequest(`JSON patch path "${pointer}" does not exist`);
  }
  if (cur === null || typeof cur !== 'object') throw errors.badRequest(`JSON patch path "${pointer}" does not point into an object or array`);
  return { parent: cur as Container, key: tokens[tokens.length - 1]! };
}

function arrayIndex(arr: unknown[], token: string, pointer: string, forAdd: boolean): number {
  if (forAdd && token === '-') return arr.length;
  if (!/^(0|[1-9][0-9]*)$/.test(token)) throw errors.badRequest(`JSON patch path "${pointer}": "${token}" is not an array index`);
  const index = Number(token);
  if (index > arr.length || (!forAdd && index === arr.length)) throw errors.badRequest(`JSON patch path "${pointer}": index ${index} is out of bounds`);
  return index;
}

function getAt(doc: unknown, pointer: string): unknown {
  let cur = doc;
  for (const token of parsePointer(pointer)) {
    if (Array.isArray(cur)) cur = cur[arrayIndex(cur, token, pointer, false)];
    else if (cur !== null && typeof cur === 'object' && Object.prototype.hasOwnProperty.call(cur, token)) cur = (cur as Record<string, unknown>)[token];
    else throw errors.badRequest(`JSON patch path "${pointer}" does not exist`);
  }
  return cur;
}

function add(doc: unknown, pointer: string, value: unknown): unknown {
  const tokens = parsePointer(pointer);
  if (tokens.length === 0) return value;
  const { parent, key } = resolveParent(doc, tokens, pointer);
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, key, pointer, true), 0, value);
  else parent[key] = value;
  return doc;
}

function remove(doc: unknown, pointer: string): unknown {
  const tokens = parsePointer(pointer);
  if (tokens.length === 0) throw errors.badRequest('JSON patch cannot remove the whole document');
  const { parent, key } = resolveParent(doc, tokens, pointer);
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, key, pointer, false), 1);
  else {
    if (!Object.prototype.hasOwnProperty.call(parent, key)) throw errors.badRequest(`JSON patch path "${pointer}" does not exist`);
    delete parent[key];
  }
  return doc;
}

export function applyJsonPatch(document: unknown, patch: unknown): unknown {
  if (!Array.isArray(patch)) throw errors.badRequest('a JSON patch must be an array of operations');
  let doc = structuredClone(document);
  patch.forEach((raw, i) => {
    if (raw === null || typeof raw !== 'object') throw errors.badRequest(`JSON patch operation ${i} is not an object`);
    const op = raw as Operation;
    if (typeof op.path !== 'string') throw errors.badRequest(`JSON patch operation ${i} has no "path"`);
    switch (op.op) {
      case 'add':
        doc = add(doc, op.path, structuredClone(op.value));
        break;
      case 'remove':
        doc = remove(doc, op.path);
        break;
      case 'replace':
        getAt(doc, op.path);
        doc = add(remove(doc, op.path) ?? doc, op.path, structuredClone(op.value));
        break;
      case 'move': {
        if (typeof op.from !== 'string') throw errors.badRequest(`JSON patch operation ${i} (move) has no "from"`);
        const value = getAt(doc, op.from);
        doc = add(remove(doc, op.from), op.path, value);
        break;
      }
      case 'copy': {
        if (typeof op.from !== 'string') throw errors.badRequest(`JSON patch operation ${i} (copy) has no "from"`);
        doc = add(doc, op.path, structuredClone(getAt(doc, op.from)));
        break;
      }
      case 'test':
        if (JSON.stringify(getAt(doc, op.path)) !== JSON.stringify(op.value)) {
          throw errors.badRequest(`JSON patch test failed at "${op.path}"`);
        }
        break;
      default:
        throw errors.badRequest(`JSON patch operation ${i} has an unknown op ${JSON.stringify(op.op)}`);
    }
  });
  return doc;
}
