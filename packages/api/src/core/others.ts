import { s, type Infer } from '../schema/dsl.js';
import { DeploymentSpecShape, QuantitySchema } from './pod.js';

export const ServicePortSchema = s.object(
  {
    name: s.string().optional(),
    port: s.int32({ minimum: 1, maximum: 65535 }),
    targetPort: s.intOrString().optional(),
    protocol: s.enum('TCP', 'UDP', 'SCTP').optional(),
    nodePort: s.int32().optional(),
  },
  { preserveUnknown: true },
);

export const ServiceSpecSchema = s.object(
  {
    type: s.enum('ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName').optional(),
    selector: s.map(s.string()).optional(),
    ports: s.array(ServicePortSchema).optional(),
    clusterIP: s.string().optional(),
    clusterIPs: s.array(s.string()).optional(),
    externalIPs: s.array(s.string()).optional(),
  },
  { preserveUnknown: true },
);
export type ServiceSpec = Infer<typeof ServiceSpecSchema>;
export const ServiceBodySchema = s.object({ spec: ServiceSpecSchema.default({}), status: s.freeObject().optional() }, { preserveUnknown: true });

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
export const SecretBodySchema = s.object(
  {
    type: s.string().optional(),
    data: s.map(s.string({ pattern: BASE64, patternMessage: 'must be base64 encoded' })).optional(),
    stringData: s.map(s.string()).optional(),
    immutable: s.boolean().optional(),
  },
  { preserveUnknown: true },
);

export const NodeConditionSchema = s.object(
  {
    type: s.string(),
    status: s.enum('True', 'False', 'Unknown'),
    lastHeartbeatTime: s.time().optional(),
    lastTransitionTime: s.time().optional(),
    reason: s.string().optional(),
    message: s.string().optional(),
  },
  { preserveUnknown: true },
);
export type NodeCondition = Infer<typeof NodeConditionSchema>;

export const NodeAddressSchema = s.object({ type: s.string(), address: s.string() });
export type NodeAddress = Infer<typeof NodeAddressSchema>;

export const NodeStatusSchema = s.object(
  {
    conditions: s.array(NodeConditionSchema).optional(),
    addresses: s.array(NodeAddressSchema).optional(),
    capacity: s.map(QuantitySchema).optional(),
    allocatable: s.map(QuantitySchema).optional(),
    nodeInfo: s.freeObject().optional(),
  },
  { preserveUnknown: true },
);
export type NodeStatus = Infer<typeof NodeStatusSchema>;

export const NodeBodySchema = s.object(
  {
    spec: s.object({ unschedulable: s.boolean().optional(), taints: s.array(s.freeObject()).optional(), podCIDR: s.string().optional() }, { preserveUnknown: true }).default({}),
    status: NodeStatusSchema.optional(),
  },
  { preserveUnknown: true },
);

export const ObjectReferenceSchema = s.object(
  {
    kind: s.string().optional(),
    namespace: s.string().optional(),
    name: s.string().optional(),
    uid: s.string().optional(),
    apiVersion: s.string().optional(),
    resourceVersion: s.string().optional(),
    fieldPath: s.string().optional(),
  },
  { preserveUnknown: true },
);
export type ObjectReference = Infer<typeof ObjectReferenceSchema>;

export const EventBodySchema = s.object(
  {
    involvedObject: ObjectReferenceSchema,
    reason: s.string().optional(),
    message: s.string().optional(),
    source: s.object({ component: s.string().optional(), host: s.string().optional() }).optional(),
    firstTimestamp: s.time().optional(),
    lastTimestamp: s.time().optional(),
    eventTime: s.string().optional(),
    count: s.int32().optional(),
    /** How often an aggregated event happened and when last (core/v1 EventSeries). */
    series: s.object({ count: s.int32().optional(), lastObservedTime: s.string().optional() }, { preserveUnknown: true }).optional(),
    type: s.string().optional(),
    action: s.string().optional(),
    reportingComponent: s.string().optional(),
    reportingInstance: s.string().optional(),
  },
  { preserveUnknown: true },
);

export const NamespaceBodySchema = s.object(
  {
    spec: s.object({ finalizers: s.array(s.string()).optional() }).optional(),
    status: s.object({ phase: s.enum('Active', 'Terminating').optional() }, { preserveUnknown: true }).optional(),
  },
  { preserveUnknown: true },
);

/** apps/v1 Deployment: what the GM creates for long-running workers on a real cluster (the embedded mode runs Pods). */
export const DeploymentBodySchema = s.object(
  {
    spec: s.object(DeploymentSpecShape, { preserveUnknown: true }),
    // What the controllers read of a Deployment's status (the rest is kept as written).
    status: s
      .object(
        {
          replicas: s.int32().optional(),
          readyReplicas: s.int32().optional(),
          availableReplicas: s.int32().optional(),
          conditions: s.array(s.object({ type: s.string(), status: s.string(), reason: s.string().optional(), message: s.string().optional() }, { preserveUnknown: true })).optional(),
        },
        { preserveUnknown: true },
      )
      .optional(),
  },
  { preserveUnknown: true },
);

/**
 * coordination.k8s.io/v1 Lease: a named holder with a renew time. Nodes renew one each as their heartbeat (as
 * current Kubernetes marks liveness) and GM replicas elect a leader on one (as controller-runtime does).
 */
export const LeaseSpecSchema = s.object(
  {
    holderIdentity: s.string().optional(),
    leaseDurationSeconds: s.int32({ minimum: 1 }).optional(),
    acquireTime: s.time().optional(),
    renewTime: s.time().optional(),
    leaseTransitions: s.int32({ minimum: 0 }).optional(),
  },
  { preserveUnknown: true },
);
export type LeaseSpec = Infer<typeof LeaseSpecSchema>;
export const LeaseBodySchema = s.object({ spec: LeaseSpecSchema.default({}) }, { preserveUnknown: true });

/**
 * autoscaling/v2 HorizontalPodAutoscaler: what the GM creates on a cluster for a joint inference worker with `hpa`
 * (`hpa-<deployment>`, scaling that Deployment). Kept as the cluster sends it; the GM writes the original's fields.
 */
export const HorizontalPodAutoscalerBodySchema = s.object(
  {
    spec: s.object(
      {
        scaleTargetRef: s.object({ apiVersion: s.string().optional(), kind: s.string(), name: s.string() }),
        minReplicas: s.int32({ minimum: 1 }).optional(),
        maxReplicas: s.int32({ minimum: 1 }),
        metrics: s.array(s.freeObject()).optional(),
        behavior: s.freeObject().optional(),
      },
      { preserveUnknown: true },
    ),
    status: s.freeObject().optional(),
  },
  { preserveUnknown: true },
);
