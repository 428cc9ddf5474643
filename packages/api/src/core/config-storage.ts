/**
 * The core kinds Sedna's samples and tooling use besides Pods: ConfigMap, ServiceAccount, and storage as
 * PersistentVolumeClaim and PersistentVolume (in embedded mode a claim binds to a local directory under the data
 * dir, see packages/apiserver/src/registry/volume-binder.ts).
 */
import { s } from '../schema/dsl.js';
import { ObjectReferenceSchema } from './others.js';
import { QuantitySchema } from './pod.js';

export const ConfigMapBodySchema = s.object(
  {
    data: s.map(s.string()).optional(),
    binaryData: s.map(s.string()).optional(),
    immutable: s.boolean().optional(),
  },
  { preserveUnknown: true },
);

export const ServiceAccountBodySchema = s.object(
  {
    secrets: s.array(ObjectReferenceSchema).optional(),
    automountServiceAccountToken: s.boolean().optional(),
  },
  { preserveUnknown: true },
);

const AccessModeSchema = s.enum('ReadWriteOnce', 'ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOncePod');

export const PersistentVolumeClaimBodySchema = s.object(
  {
    spec: s.object(
      {
        accessModes: s.array(AccessModeSchema).optional(),
        resources: s.object({ requests: s.map(QuantitySchema).optional(), limits: s.map(QuantitySchema).optional() }).optional(),
        storageClassName: s.string().optional(),
        volumeName: s.string().optional(),
        volumeMode: s.enum('Filesystem', 'Block').optional(),
        selector: s.freeObject().optional(),
      },
      { preserveUnknown: true },
    ).default({}),
    status: s.object({ phase: s.enum('Pending', 'Bound', 'Lost').optional(), accessModes: s.array(AccessModeSchema).optional(), capacity: s.map(QuantitySchema).optional() }, { preserveUnknown: true }).optional(),
  },
  { preserveUnknown: true },
);

export const PersistentVolumeBodySchema = s.object(
  {
    spec: s.object(
      {
        capacity: s.map(QuantitySchema).optional(),
        accessModes: s.array(AccessModeSchema).optional(),
        hostPath: s.object({ path: s.string({ minLength: 1 }), type: s.string().optional() }).optional(),
        local: s.object({ path: s.string({ minLength: 1 }) }, { preserveUnknown: true }).optional(),
        claimRef: ObjectReferenceSchema.optional(),
        persistentVolumeReclaimPolicy: s.enum('Retain', 'Delete', 'Recycle').optional(),
        storageClassName: s.string().optional(),
        volumeMode: s.enum('Filesystem', 'Block').optional(),
      },
      { preserveUnknown: true },
    ).default({}),
    status: s.object({ phase: s.enum('Pending', 'Available', 'Bound', 'Released', 'Failed').optional(), message: s.string().optional() }, { preserveUnknown: true }).optional(),
  },
  { preserveUnknown: true },
);

/** authorization.k8s.io/v1 SelfSubjectAccessReview and authentication.k8s.io/v1 SelfSubjectReview: asked, answered, not stored. */
export const SelfSubjectAccessReviewBodySchema = s.object(
  {
    spec: s.object(
      {
        resourceAttributes: s.object({ namespace: s.string().optional(), verb: s.string().optional(), group: s.string().optional(), version: s.string().optional(), resource: s.string().optional(), subresource: s.string().optional(), name: s.string().optional() }, { preserveUnknown: true }).optional(),
        nonResourceAttributes: s.object({ path: s.string().optional(), verb: s.string().optional() }, { preserveUnknown: true }).optional(),
      },
      { preserveUnknown: true },
    ).default({}),
    status: s.freeObject().optional(),
  },
  { preserveUnknown: true },
);
export const SelfSubjectReviewBodySchema = s.object({ status: s.freeObject().optional() }, { preserveUnknown: true });

/** apiextensions.k8s.io/v1 CustomResourceDefinition: the server serves the Sedna CRDs it is built with. */
export const CustomResourceDefinitionBodySchema = s.object({ spec: s.freeObject(), status: s.freeObject().optional() }, { preserveUnknown: true });
