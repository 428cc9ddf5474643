/**
 * Decodes the Kubernetes protobuf envelope (`k8s\0` + runtime.Unknown{typeMeta, raw}) into the JSON object the rest
 * of the server handles. kubectl's typed clients (its `create` generators) send protobuf and do not fall back to
 * JSON on 415, so the kinds they create are decoded here; any other kind is answered 415.
 */
import { OBJECTS, type FieldDescriptor, type MessageDescriptor, type Scalar } from './descriptors.js';
import { ProtobufError, readFields, varintNumber, type WireField } from './wire.js';
import { rfc3339 } from '@sedna/api/runtime';

const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

export class UnsupportedProtobufKind extends Error {
  override readonly name = 'UnsupportedProtobufKind';
}

export function decodeKubernetesProtobuf(body: Buffer): Record<string, unknown> {
  if (body.length < 4 || !body.subarray(0, 4).equals(MAGIC)) throw new ProtobufError('the body does not start with the Kubernetes protobuf magic number');
  const unknown = readFields(body.subarray(4));
  const typeMeta = unknown.find((x) => x.number === 1);
  const raw = unknown.find((x) => x.number === 2);
  const meta = typeMeta ? decodeMessage(typeMeta.value as Buffer, { 1: { name: 'apiVersion', type: 'string' }, 2: { name: 'kind', type: 'string' } }) : {};
  const apiVersion = String(meta['apiVersion'] ?? '');
  const kind = String(meta['kind'] ?? '');
  const descriptor = OBJECTS[`${apiVersion}/${kind}`];
  if (!descriptor) throw new UnsupportedProtobufKind(`${apiVersion}/${kind} is not accepted as protobuf by this server; send it as JSON`);
  return { apiVersion, kind, ...decodeMessage(raw ? (raw.value as Buffer) : Buffer.alloc(0), descriptor) };
}

function decodeMessage(buf: Buffer, descriptor: MessageDescriptor): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of readFields(buf)) {
    const d = descriptor[field.number];
    if (!d) continue;
    if (typeof d.type === 'object' && 'map' in d.type) {
      const entry = readFields(field.value as Buffer);
      const key = entry.find((e) => e.number === 1);
      const value = entry.find((e) => e.number === 2);
      const map = (out[d.name] ??= {}) as Record<string, unknown>;
      map[key ? (key.value as Buffer).toString('utf8') : ''] = value ? decodeValue(value, d.type.map) : emptyOf(d.type.map);
      continue;
    }
    const value = decodeValue(field, d.type as Scalar | MessageDescriptor);
    if (d.repeated) ((out[d.name] ??= []) as unknown[]).push(value);
    else if (value !== undefined && (d.pointer || (value !== 0 && value !== false))) out[d.name] = value;
  }
  // Empty strings and unset timestamps are what Go omits in JSON (omitempty).
  for (const [k, v] of Object.entries(out)) if (v === '' || v === undefined) delete out[k];
  return out;
}

function emptyOf(type: Scalar | MessageDescriptor): unknown {
  return type === 'string' || type === 'bytes' || type === 'quantity' ? '' : typeof type === 'object' ? {} : undefined;
}

function decodeValue(field: WireField, type: FieldDescriptor['type']): unknown {
  if (typeof type === 'object') {
    if ('map' in type) throw new ProtobufError('a map inside a map');
    return decodeMessage(field.value as Buffer, type as MessageDescriptor);
  }
  switch (type) {
    case 'string':
      return (field.value as Buffer).toString('utf8');
    case 'bytes':
      return (field.value as Buffer).toString('base64');
    case 'int':
      return varintNumber(field.value as bigint);
    case 'bool':
      return (field.value as bigint) !== 0n;
    case 'quantity': {
      const q = decodeMessage(field.value as Buffer, { 1: { name: 'string', type: 'string' } });
      return q['string'] ?? '0';
    }
    case 'time': {
      const t = decodeMessage(field.value as Buffer, { 1: { name: 'seconds', type: 'int' } });
      const seconds = Number(t['seconds'] ?? 0);
      return seconds === 0 ? undefined : rfc3339(new Date(seconds * 1000));
    }
    case 'intOrString': {
      const v = decodeMessage(field.value as Buffer, { 1: { name: 'type', type: 'int' }, 2: { name: 'intVal', type: 'int' }, 3: { name: 'strVal', type: 'string' } });
      return v['type'] === 1 ? (v['strVal'] ?? '') : (v['intVal'] ?? 0);
    }
  }
}
