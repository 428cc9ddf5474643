/** Every kind the project knows: its REST names, schema, printer columns and the objects it references. */
import type { ObjectSchema, Shape } from './schema/dsl.js';
import { DeploymentBodySchema, EventBodySchema, HorizontalPodAutoscalerBodySchema, LeaseBodySchema, NamespaceBodySchema, NodeBodySchema, SecretBodySchema, ServiceBodySchema } from './core/others.js';
import { PodBodySchema, type PodTemplateSpec } from './core/pod.js';
import { ConfigMapBodySchema, PersistentVolumeBodySchema, PersistentVolumeClaimBodySchema, SelfSubjectAccessReviewBodySchema, SelfSubjectReviewBodySchema, ServiceAccountBodySchema, CustomResourceDefinitionBodySchema } from './core/config-storage.js';
import { podReady, podRestarts, podStatusReason } from './core/pod-printer.js';
import { DatasetBodySchema } from './sedna/dataset.js';
import { ModelBodySchema } from './sedna/model.js';
import { JointInferenceServiceBodySchema } from './sedna/jointinference.js';
import { IncrementalLearningJobBodySchema } from './sedna/incrementallearning.js';
import { FederatedLearningJobBodySchema } from './sedna/federatedlearning.js';
import { LifelongLearningJobBodySchema } from './sedna/lifelonglearning.js';
import {
  FeatureExtractionServiceBodySchema,
  ObjectSearchServiceBodySchema,
  ObjectTrackingServiceBodySchema,
  ReidJobBodySchema,
  VideoAnalyticsJobBodySchema,
} from './sedna/multiedge.js';

export const SEDNA_GROUP = 'sedna.io';
export const SEDNA_VERSION = 'v1alpha1';
export const SEDNA_API_VERSION = `${SEDNA_GROUP}/${SEDNA_VERSION}`;

export interface PrinterColumn {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  jsonPath: string;
  description?: string;
  /** 0 shows in the default table, 1 only with `-o wide`. */
  priority?: number;
  /** For core kinds only (no CRD carries it): a value computed from the object, as kubectl's built-in printers do. */
  compute?: (obj: Record<string, unknown>) => string;
}

/** An object another object names by `spec` field: checked to exist when a job or service is created. */
export interface ObjectRef {
  resource: 'datasets' | 'models' | 'nodes';
  name: string;
  /** Field path that names it, for the error cause. */
  field: string;
}

export interface KindDefinition {
  group: string;
  version: string;
  kind: string;
  plural: string;
  singular: string;
  shortNames: string[];
  categories: string[];
  namespaced: boolean;
  /** Top-level fields besides apiVersion, kind and metadata. */
  body: ObjectSchema<Shape>;
  statusSubresource: boolean;
  /** Core kinds keep unknown fields (we model only the fields we use); Sedna kinds are structural. */
  preserveUnknownFields: boolean;
  /** Names must be DNS-1123 labels (Service, Namespace) rather than subdomains. */
  nameIsLabel: boolean;
  printerColumns: PrinterColumn[];
  references?: (obj: Record<string, unknown>) => ObjectRef[];
}

const AGE: PrinterColumn = { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' };
// `kubectl get all` and `kubectl get sedna` list the Sedna kinds.
const sedna = { group: SEDNA_GROUP, version: SEDNA_VERSION, namespaced: true, statusSubresource: true, preserveUnknownFields: false, nameIsLabel: false, categories: ['all', 'sedna'] };
const core = { group: '', version: 'v1', statusSubresource: true, preserveUnknownFields: true, nameIsLabel: false, categories: [] as string[] };

// Helpers to read nested fields of an unvalidated-but-checked object without casts everywhere.
function at(obj: unknown, ...path: (string | number)[]): unknown {
  let cur = obj;
  for (const key of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string | number, unknown>)[key];
  }
  return cur;
}
function ref(resource: ObjectRef['resource'], obj: unknown, ...path: string[]): ObjectRef[] {
  const name = at(obj, ...path);
  return typeof name === 'string' && name !== '' ? [{ resource, name, field: path.join('.') }] : [];
}
function nodeOf(obj: unknown, ...templatePath: string[]): ObjectRef[] {
  return ref('nodes', obj, ...templatePath, 'template', 'spec', 'nodeName');
}

export const KINDS: readonly KindDefinition[] = [
  {
    ...sedna, kind: 'Dataset', plural: 'datasets', singular: 'dataset', shortNames: [], body: DatasetBodySchema,
    printerColumns: [
      { name: 'Node', type: 'string', jsonPath: '.spec.nodeName' },
      { name: 'Format', type: 'string', jsonPath: '.spec.format' },
      { name: 'Samples', type: 'integer', jsonPath: '.status.numberOfSamples' },
      { name: 'URL', type: 'string', jsonPath: '.spec.url', priority: 1 },
      AGE,
    ],
  },
  {
    ...sedna, kind: 'Model', plural: 'models', singular: 'model', shortNames: [], body: ModelBodySchema,
    printerColumns: [
      { name: 'Format', type: 'string', jsonPath: '.spec.format' },
      { name: 'URL', type: 'string', jsonPath: '.spec.url' },
      { name: 'Updated', type: 'date', jsonPath: '.status.updateTime', priority: 1 },
      AGE,
    ],
  },
  {
    ...sedna, kind: 'JointInferenceService', plural: 'jointinferenceservices', singular: 'jointinferenceservice', shortNames: ['ji'], body: JointInferenceServiceBodySchema,
    printerColumns: [
      { name: 'Status', type: 'string', jsonPath: '.status.conditions[-1:].type' },
      { name: 'Active', type: 'integer', jsonPath: '.status.active' },
      { name: 'Failed', type: 'integer', jsonPath: '.status.failed' },
      { name: 'Edge', type: 'string', jsonPath: '.spec.edgeWorker.template.spec.nodeName', priority: 1 },
      { name: 'Cloud', type: 'string', jsonPath: '.spec.cloudWorker.template.spec.nodeName', priority: 1 },
      AGE,
    ],
    references: (o) => [
      ...ref('models', o, 'spec', 'edgeWorker', 'model', 'name'),
      ...ref('models', o, 'spec', 'cloudWorker', 'model', 'name'),
      ...nodeOf(o, 'spec', 'edgeWorker'),
      ...nodeOf(o, 'spec', 'cloudWorker'),
    ],
  },
  {
    ...sedna, kind: 'IncrementalLearningJob', plural: 'incrementallearningjobs', singular: 'incrementallearningjob', shortNames: ['il'], body: IncrementalLearningJobBodySchema,
    printerColumns: [
      { name: 'Stage', type: 'string', jsonPath: '.status.conditions[-1:].stage' },
      { name: 'Status', type: 'string', jsonPath: '.status.conditions[-1:].type' },
      { name: 'Dataset', type: 'string', jsonPath: '.spec.dataset.name', priority: 1 },
      { name: 'Deploy-Model', type: 'string', jsonPath: '.spec.deploySpec.model.name', priority: 1 },
      AGE,
    ],
    references: (o) => [
      ...ref('datasets', o, 'spec', 'dataset', 'name'),
      ...ref('models', o, 'spec', 'initialModel', 'name'),
      ...ref('models', o, 'spec', 'evalSpec', 'initialEvalModel', 'name'),
      ...ref('models', o, 'spec', 'deploySpec', 'model', 'name'),
      ...nodeOf(o, 'spec', 'trainSpec'),
      ...nodeOf(o, 'spec', 'evalSpec'),
      ...nodeOf(o, 'spec', 'deploySpec'),
    ],
  },
  {
    ...sedna, kind: 'FederatedLearningJob', plural: 'federatedlearningjobs', singular: 'federatedlearningjob', shortNames: ['fl'], body: FederatedLearningJobBodySchema,
    printerColumns: [
      { name: 'Phase', type: 'string', jsonPath: '.status.phase' },
      { name: 'Active', type: 'integer', jsonPath: '.status.active' },
      { name: 'Succeeded', type: 'integer', jsonPath: '.status.succeeded' },
      { name: 'Failed', type: 'integer', jsonPath: '.status.failed' },
      { name: 'Condition', type: 'string', jsonPath: '.status.conditions[-1:].message', priority: 1 },
      AGE,
    ],
    references: (o) => {
      const workers = at(o, 'spec', 'trainingWorkers');
      const perWorker = Array.isArray(workers)
        ? workers.flatMap((_, i) => [
            ...ref('datasets', o, 'spec', 'trainingWorkers', String(i), 'dataset', 'name').map((r) => ({ ...r, field: `spec.trainingWorkers[${i}].dataset.name` })),
            ...nodeOf(o, 'spec', 'trainingWorkers', String(i)).map((r) => ({ ...r, field: `spec.trainingWorkers[${i}].template.spec.nodeName` })),
          ])
        : [];
      return [
        ...ref('models', o, 'spec', 'aggregationWorker', 'model', 'name'),
        ...ref('models', o, 'spec', 'pretrainedModel', 'name'),
        ...nodeOf(o, 'spec', 'aggregationWorker'),
        ...perWorker,
      ];
    },
  },
  {
    ...sedna, kind: 'LifelongLearningJob', plural: 'lifelonglearningjobs', singular: 'lifelonglearningjob', shortNames: ['ll'], body: LifelongLearningJobBodySchema,
    printerColumns: [
      { name: 'Stage', type: 'string', jsonPath: '.status.conditions[-1:].stage' },
      { name: 'Status', type: 'string', jsonPath: '.status.conditions[-1:].type' },
      { name: 'Models', type: 'integer', jsonPath: '.status.knowledgeBase.AIModels.numberOfAIModels', priority: 1 },
      AGE,
    ],
    references: (o) => [
      ...ref('datasets', o, 'spec', 'dataset', 'name'),
      ...nodeOf(o, 'spec', 'trainSpec'),
      ...nodeOf(o, 'spec', 'evalSpec'),
      ...nodeOf(o, 'spec', 'deploySpec'),
    ],
  },
  {
    ...sedna, kind: 'ObjectSearchService', plural: 'objectsearchservices', singular: 'objectsearchservice', shortNames: ['objs'], body: ObjectSearchServiceBodySchema,
    printerColumns: [{ name: 'Status', type: 'string', jsonPath: '.status.conditions[-1:].type' }, { name: 'Active', type: 'integer', jsonPath: '.status.active' }, { name: 'Failed', type: 'integer', jsonPath: '.status.failed' }, AGE],
    references: (o) => nodeOf(o, 'spec', 'userWorker'),
  },
  {
    ...sedna, kind: 'ObjectTrackingService', plural: 'objecttrackingservices', singular: 'objecttrackingservice', shortNames: ['objt'], body: ObjectTrackingServiceBodySchema,
    printerColumns: [{ name: 'Status', type: 'string', jsonPath: '.status.conditions[-1:].type' }, { name: 'Active', type: 'integer', jsonPath: '.status.active' }, { name: 'Failed', type: 'integer', jsonPath: '.status.failed' }, AGE],
  },
  {
    ...sedna, kind: 'ReidJob', plural: 'reidjobs', singular: 'reidjob', shortNames: ['reid'], body: ReidJobBodySchema,
    printerColumns: [{ name: 'Phase', type: 'string', jsonPath: '.status.phase' }, { name: 'Active', type: 'integer', jsonPath: '.status.active' }, { name: 'Succeeded', type: 'integer', jsonPath: '.status.succeeded' }, { name: 'Failed', type: 'integer', jsonPath: '.status.failed' }, AGE],
    references: (o) => ref('nodes', o, 'spec', 'template', 'spec', 'nodeName'),
  },
  {
    ...sedna, kind: 'VideoAnalyticsJob', plural: 'videoanalyticsjobs', singular: 'videoanalyticsjob', shortNames: ['va'], body: VideoAnalyticsJobBodySchema,
    printerColumns: [{ name: 'Phase', type: 'string', jsonPath: '.status.phase' }, { name: 'Active', type: 'integer', jsonPath: '.status.active' }, { name: 'Succeeded', type: 'integer', jsonPath: '.status.succeeded' }, { name: 'Failed', type: 'integer', jsonPath: '.status.failed' }, AGE],
    references: (o) => [...ref('models', o, 'spec', 'model', 'name'), ...ref('nodes', o, 'spec', 'template', 'spec', 'nodeName')],
  },
  {
    ...sedna, kind: 'FeatureExtractionService', plural: 'featureextractionservices', singular: 'featureextractionservice', shortNames: ['fe'], body: FeatureExtractionServiceBodySchema,
    printerColumns: [{ name: 'Status', type: 'string', jsonPath: '.status.conditions[-1:].type' }, { name: 'Active', type: 'integer', jsonPath: '.status.active' }, { name: 'Failed', type: 'integer', jsonPath: '.status.failed' }, AGE],
    references: (o) => [...ref('models', o, 'spec', 'model', 'name'), ...ref('nodes', o, 'spec', 'template', 'spec', 'nodeName')],
  },
  // Core kinds the embedded API serves.
  {
    ...core, kind: 'Pod', plural: 'pods', singular: 'pod', shortNames: ['po'], namespaced: true, body: PodBodySchema, categories: ['all'],
    printerColumns: [
      { name: 'Ready', type: 'string', jsonPath: '.status.containerStatuses[*].ready', description: 'The number of ready containers of all', compute: podReady },
      { name: 'Status', type: 'string', jsonPath: '.status.phase', description: 'The waiting or terminated reason of a container, else the phase', compute: podStatusReason },
      { name: 'Restarts', type: 'string', jsonPath: '.status.containerStatuses[*].restartCount', description: 'Restarts of all containers, and how long ago the last one', compute: (o) => podRestarts(o) },
      AGE,
      { name: 'IP', type: 'string', jsonPath: '.status.podIP', priority: 1 },
      { name: 'Node', type: 'string', jsonPath: '.spec.nodeName', priority: 1 },
    ],
  },
  {
    ...core, kind: 'Service', plural: 'services', singular: 'service', shortNames: ['svc'], namespaced: true, body: ServiceBodySchema, nameIsLabel: true, categories: ['all'],
    printerColumns: [
      { name: 'Type', type: 'string', jsonPath: '.spec.type' },
      { name: 'Cluster-IP', type: 'string', jsonPath: '.spec.clusterIP' },
      { name: 'Port', type: 'integer', jsonPath: '.spec.ports[0].port' },
      AGE,
    ],
  },
  {
    ...core, kind: 'Secret', plural: 'secrets', singular: 'secret', shortNames: [], namespaced: true, body: SecretBodySchema, statusSubresource: false,
    printerColumns: [{ name: 'Type', type: 'string', jsonPath: '.type' }, AGE],
  },
  {
    ...core, kind: 'Node', plural: 'nodes', singular: 'node', shortNames: ['no'], namespaced: false, body: NodeBodySchema,
    printerColumns: [
      {
        name: 'Status',
        type: 'string',
        jsonPath: '.status.conditions[?(@.type=="Ready")].status',
        compute: (o) => {
          const ready = ((o['status'] as { conditions?: { type: string; status: string }[] } | undefined)?.conditions ?? []).find((c) => c.type === 'Ready');
          return ready?.status === 'True' ? 'Ready' : ready ? 'NotReady' : 'Unknown';
        },
      },
      { name: 'Roles', type: 'string', jsonPath: '.metadata.labels.sedna\\.io/role' },
      AGE,
      { name: 'Internal-IP', type: 'string', jsonPath: '.status.addresses[?(@.type=="InternalIP")].address', priority: 1 },
    ],
  },
  {
    ...core, kind: 'Event', plural: 'events', singular: 'event', shortNames: ['ev'], namespaced: true, body: EventBodySchema, statusSubresource: false,
    printerColumns: [
      { name: 'Type', type: 'string', jsonPath: '.type' },
      { name: 'Reason', type: 'string', jsonPath: '.reason' },
      { name: 'Object', type: 'string', jsonPath: '.involvedObject.name' },
      { name: 'Message', type: 'string', jsonPath: '.message' },
      { name: 'Last-Seen', type: 'date', jsonPath: '.lastTimestamp' },
    ],
  },
  {
    ...core, group: 'apps', kind: 'Deployment', plural: 'deployments', singular: 'deployment', shortNames: ['deploy'], namespaced: true, body: DeploymentBodySchema, categories: ['all'],
    printerColumns: [
      { name: 'Ready', type: 'string', jsonPath: '.status.readyReplicas' },
      { name: 'Available', type: 'integer', jsonPath: '.status.availableReplicas' },
      AGE,
    ],
  },
  {
    ...core, group: 'autoscaling', version: 'v2', kind: 'HorizontalPodAutoscaler', plural: 'horizontalpodautoscalers', singular: 'horizontalpodautoscaler', shortNames: ['hpa'], namespaced: true, body: HorizontalPodAutoscalerBodySchema,
    printerColumns: [
      { name: 'Reference', type: 'string', jsonPath: '.spec.scaleTargetRef.name' },
      { name: 'MinPods', type: 'integer', jsonPath: '.spec.minReplicas' },
      { name: 'MaxPods', type: 'integer', jsonPath: '.spec.maxReplicas' },
      { name: 'Replicas', type: 'integer', jsonPath: '.status.currentReplicas' },
      AGE,
    ],
  },
  {
    ...core, group: 'coordination.k8s.io', kind: 'Lease', plural: 'leases', singular: 'lease', shortNames: [], namespaced: true, body: LeaseBodySchema, statusSubresource: false,
    printerColumns: [{ name: 'Holder', type: 'string', jsonPath: '.spec.holderIdentity' }, AGE],
  },
  {
    ...core, kind: 'ConfigMap', plural: 'configmaps', singular: 'configmap', shortNames: ['cm'], namespaced: true, body: ConfigMapBodySchema, statusSubresource: false,
    printerColumns: [{ name: 'Data', type: 'integer', jsonPath: '.data', compute: (o) => String(Object.keys((o['data'] as object | undefined) ?? {}).length + Object.keys((o['binaryData'] as object | undefined) ?? {}).length) }, AGE],
  },
  {
    ...core, kind: 'ServiceAccount', plural: 'serviceaccounts', singular: 'serviceaccount', shortNames: ['sa'], namespaced: true, body: ServiceAccountBodySchema, statusSubresource: false,
    printerColumns: [AGE],
  },
  {
    ...core, kind: 'PersistentVolumeClaim', plural: 'persistentvolumeclaims', singular: 'persistentvolumeclaim', shortNames: ['pvc'], namespaced: true, body: PersistentVolumeClaimBodySchema,
    printerColumns: [
      { name: 'Status', type: 'string', jsonPath: '.status.phase' },
      { name: 'Volume', type: 'string', jsonPath: '.spec.volumeName' },
      { name: 'Capacity', type: 'string', jsonPath: '.status.capacity.storage' },
      { name: 'Access Modes', type: 'string', jsonPath: '.spec.accessModes' },
      { name: 'StorageClass', type: 'string', jsonPath: '.spec.storageClassName' },
      AGE,
    ],
  },
  {
    ...core, kind: 'PersistentVolume', plural: 'persistentvolumes', singular: 'persistentvolume', shortNames: ['pv'], namespaced: false, body: PersistentVolumeBodySchema,
    printerColumns: [
      { name: 'Capacity', type: 'string', jsonPath: '.spec.capacity.storage' },
      { name: 'Access Modes', type: 'string', jsonPath: '.spec.accessModes' },
      { name: 'Reclaim Policy', type: 'string', jsonPath: '.spec.persistentVolumeReclaimPolicy' },
      { name: 'Status', type: 'string', jsonPath: '.status.phase' },
      { name: 'Claim', type: 'string', jsonPath: '.spec.claimRef.name', compute: (o) => { const c = (o['spec'] as { claimRef?: { namespace?: string; name?: string } } | undefined)?.claimRef; return c?.name ? `${c.namespace ?? ''}/${c.name}` : ''; } },
      { name: 'StorageClass', type: 'string', jsonPath: '.spec.storageClassName' },
      AGE,
    ],
  },
  {
    ...core, group: 'apiextensions.k8s.io', kind: 'CustomResourceDefinition', plural: 'customresourcedefinitions', singular: 'customresourcedefinition', shortNames: ['crd', 'crds'], namespaced: false, body: CustomResourceDefinitionBodySchema,
    printerColumns: [{ name: 'Created At', type: 'date', jsonPath: '.metadata.creationTimestamp', compute: (o) => String((o['metadata'] as { creationTimestamp?: string }).creationTimestamp ?? '') }],
  },
  // Reviews are asked and answered (create only), never stored: see packages/apiserver/src/http/reviews.ts.
  {
    ...core, group: 'authorization.k8s.io', kind: 'SelfSubjectAccessReview', plural: 'selfsubjectaccessreviews', singular: 'selfsubjectaccessreview', shortNames: [], namespaced: false, body: SelfSubjectAccessReviewBodySchema, statusSubresource: false,
    printerColumns: [],
  },
  {
    ...core, group: 'authentication.k8s.io', kind: 'SelfSubjectReview', plural: 'selfsubjectreviews', singular: 'selfsubjectreview', shortNames: [], namespaced: false, body: SelfSubjectReviewBodySchema, statusSubresource: false,
    printerColumns: [],
  },
  {
    ...core, kind: 'Namespace', plural: 'namespaces', singular: 'namespace', shortNames: ['ns'], namespaced: false, body: NamespaceBodySchema, nameIsLabel: true,
    printerColumns: [{ name: 'Status', type: 'string', jsonPath: '.status.phase' }, AGE],
  },
];

export function apiVersionOf(def: Pick<KindDefinition, 'group' | 'version'>): string {
  return def.group === '' ? def.version : `${def.group}/${def.version}`;
}

export function findKind(kind: string): KindDefinition | undefined {
  return KINDS.find((k) => k.kind === kind);
}

export function findKindByResource(group: string, resource: string): KindDefinition | undefined {
  return KINDS.find((k) => k.group === group && k.plural === resource);
}

export const SEDNA_KINDS = KINDS.filter((k) => k.group === SEDNA_GROUP);
export type { PodTemplateSpec };
