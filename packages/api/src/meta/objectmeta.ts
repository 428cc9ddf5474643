import { s, type Infer } from '../schema/dsl.js';
import { checkLabelValue, checkQualifiedName } from './names.js';

export const OwnerReferenceSchema = s.object({
  apiVersion: s.string({ minLength: 1 }),
  kind: s.string({ minLength: 1 }),
  name: s.string({ minLength: 1 }),
  uid: s.string({ minLength: 1 }),
  controller: s.boolean().optional(),
  blockOwnerDeletion: s.boolean().optional(),
});
export type OwnerReference = Infer<typeof OwnerReferenceSchema>;

const labelValue = s.string({ refine: checkLabelValue });

/** ObjectMeta as the API server keeps it. Server-set fields are accepted on input and then overwritten. */
export const ObjectMetaSchema = s.object(
  {
    name: s.string().optional(),
    generateName: s.string().optional(),
    namespace: s.string().optional(),
    uid: s.string().optional(),
    resourceVersion: s.string().optional(),
    generation: s.int64().optional(),
    creationTimestamp: s.time().optional(),
    deletionTimestamp: s.time().optional(),
    deletionGracePeriodSeconds: s.int64().optional(),
    labels: s.map(labelValue, checkQualifiedName).optional(),
    annotations: s.map(s.string(), checkQualifiedName).optional(),
    ownerReferences: s.array(OwnerReferenceSchema, { uniqueKey: 'uid' }).optional(),
    finalizers: s.array(s.string()).optional(),
    managedFields: s.array(s.freeObject()).optional(),
    selfLink: s.string().optional(),
  },
);
export type ObjectMeta = Infer<typeof ObjectMetaSchema>;

/** Metadata inside a pod template: what users write there, nothing server-managed. */
export const TemplateMetaSchema = s.object(
  {
    name: s.string().optional(),
    namespace: s.string().optional(),
    labels: s.map(labelValue, checkQualifiedName).optional(),
    annotations: s.map(s.string(), checkQualifiedName).optional(),
  },
  { preserveUnknown: true },
);

export const ConditionStatusSchema = s.enum('True', 'False', 'Unknown');
export type ConditionStatus = Infer<typeof ConditionStatusSchema>;

/** `{key, value}` pairs: Sedna's ParaSpec and Metric. */
export const KeyValueSchema = s.object({ key: s.string(), value: s.string() });
export type KeyValue = Infer<typeof KeyValueSchema>;

export interface TypeMeta {
  apiVersion: string;
  kind: string;
}

/** Any object as stored: type meta, metadata, and kind-specific fields. */
export interface KubeObject extends TypeMeta {
  metadata: ObjectMeta;
  [field: string]: unknown;
}

/** Whether a JSON value has the shape of a stored object (a kind and a metadata object); its fields are not checked. */
export function isKubeObject(value: unknown): value is KubeObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const { kind, metadata } = value as { kind?: unknown; metadata?: unknown };
  return typeof kind === 'string' && typeof metadata === 'object' && metadata !== null && !Array.isArray(metadata);
}
