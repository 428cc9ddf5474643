import { s, type Infer } from '../schema/dsl.js';
import { TemplateMetaSchema } from '../meta/objectmeta.js';

/** Resource quantities such as `100m`, `2Gi`, `64M`. */
const QUANTITY = /^(\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$/;
export const QuantitySchema = s.intOrString(QUANTITY);

export const EnvVarSchema = s.object({
  name: s.string({ minLength: 1 }),
  value: s.string().optional(),
  valueFrom: s.freeObject().optional(),
});
export type EnvVar = Infer<typeof EnvVarSchema>;

export const ContainerPortSchema = s.object(
  {
    name: s.string().optional(),
    containerPort: s.int32({ minimum: 1, maximum: 65535 }),
    hostPort: s.int32().optional(),
    protocol: s.enum('TCP', 'UDP', 'SCTP').optional(),
  },
  { preserveUnknown: true },
);

export const ResourceRequirementsSchema = s.object(
  {
    requests: s.map(QuantitySchema).optional(),
    limits: s.map(QuantitySchema).optional(),
  },
  { preserveUnknown: true },
);

export const VolumeMountSchema = s.object(
  {
    name: s.string({ minLength: 1 }),
    mountPath: s.string({ minLength: 1 }),
    readOnly: s.boolean().optional(),
    subPath: s.string().optional(),
  },
  { preserveUnknown: true },
);

export const ContainerSchema = s.object(
  {
    name: s.string({ minLength: 1 }),
    // Recorded but not pulled in embedded mode, where `command` and `args` say what runs.
    image: s.string().optional(),
    imagePullPolicy: s.enum('Always', 'IfNotPresent', 'Never').optional(),
    command: s.array(s.string()).optional(),
    args: s.array(s.string()).optional(),
    workingDir: s.string().optional(),
    env: s.array(EnvVarSchema).optional(),
    envFrom: s.array(s.freeObject()).optional(),
    ports: s.array(ContainerPortSchema).optional(),
    resources: ResourceRequirementsSchema.optional(),
    volumeMounts: s.array(VolumeMountSchema).optional(),
  },
  { preserveUnknown: true },
);
export type Container = Infer<typeof ContainerSchema>;

export const VolumeSchema = s.object(
  {
    name: s.string({ minLength: 1 }),
    hostPath: s.object({ path: s.string({ minLength: 1 }), type: s.string().optional() }).optional(),
    emptyDir: s.freeObject().optional(),
    /** Embedded mode resolves it to the bound volume's directory before the pod goes to its node. */
    persistentVolumeClaim: s.object({ claimName: s.string({ minLength: 1 }), readOnly: s.boolean().optional() }).optional(),
  },
  { preserveUnknown: true },
);

export const RestartPolicySchema = s.enum('Always', 'OnFailure', 'Never');
export type RestartPolicy = Infer<typeof RestartPolicySchema>;

export const PodSpecSchema = s.object(
  {
    containers: s.array(ContainerSchema, { minItems: 1, uniqueKey: 'name' }),
    initContainers: s.array(ContainerSchema, { uniqueKey: 'name' }).optional(),
    restartPolicy: RestartPolicySchema.optional(),
    nodeName: s.string().optional(),
    /** The scheduler that binds the pod (embedded mode's binds only those left to `default-scheduler`). */
    schedulerName: s.string().optional(),
    nodeSelector: s.map(s.string()).optional(),
    hostNetwork: s.boolean().optional(),
    dnsPolicy: s.enum('ClusterFirst', 'ClusterFirstWithHostNet', 'Default', 'None').optional(),
    volumes: s.array(VolumeSchema, { uniqueKey: 'name' }).optional(),
    serviceAccountName: s.string().optional(),
    affinity: s.freeObject().optional(),
    tolerations: s.array(s.freeObject()).optional(),
    terminationGracePeriodSeconds: s.int64({ minimum: 0 }).optional(),
  },
  { preserveUnknown: true },
);
export type PodSpec = Infer<typeof PodSpecSchema>;

export const PodTemplateSpecSchema = s.object({
  metadata: TemplateMetaSchema.optional(),
  spec: PodSpecSchema,
});
export type PodTemplateSpec = Infer<typeof PodTemplateSpecSchema>;

export const PodPhaseSchema = s.enum('Pending', 'Running', 'Succeeded', 'Failed', 'Unknown');
export type PodPhase = Infer<typeof PodPhaseSchema>;

export const ContainerStateSchema = s.object({
  waiting: s.object({ reason: s.string().optional(), message: s.string().optional() }).optional(),
  running: s.object({ startedAt: s.time().optional() }).optional(),
  terminated: s
    .object({
      exitCode: s.int32(),
      signal: s.int32().optional(),
      reason: s.string().optional(),
      message: s.string().optional(),
      startedAt: s.time().optional(),
      finishedAt: s.time().optional(),
    })
    .optional(),
});
export type ContainerState = Infer<typeof ContainerStateSchema>;

export const ContainerStatusSchema = s.object(
  {
    name: s.string(),
    ready: s.boolean().default(false),
    restartCount: s.int32().default(0),
    image: s.string().default(''),
    imageID: s.string().default(''),
    started: s.boolean().optional(),
    state: ContainerStateSchema.optional(),
    lastState: ContainerStateSchema.optional(),
  },
  { preserveUnknown: true },
);
export type ContainerStatus = Infer<typeof ContainerStatusSchema>;

export const PodConditionSchema = s.object(
  {
    type: s.string(),
    status: s.enum('True', 'False', 'Unknown'),
    lastProbeTime: s.time().optional(),
    lastTransitionTime: s.time().optional(),
    reason: s.string().optional(),
    message: s.string().optional(),
  },
  { preserveUnknown: true },
);

export const PodStatusSchema = s.object(
  {
    phase: PodPhaseSchema.optional(),
    conditions: s.array(PodConditionSchema).optional(),
    message: s.string().optional(),
    reason: s.string().optional(),
    hostIP: s.string().optional(),
    podIP: s.string().optional(),
    startTime: s.time().optional(),
    containerStatuses: s.array(ContainerStatusSchema).optional(),
  },
  { preserveUnknown: true },
);
export type PodStatus = Infer<typeof PodStatusSchema>;

export const PodBodySchema = s.object({ spec: PodSpecSchema, status: PodStatusSchema.optional() }, { preserveUnknown: true });

/** apps/v1 DeploymentSpec, inlined by ReidWorkers and FeatureExtractionService. */
export const DeploymentSpecShape = {
  replicas: s.int32({ minimum: 0 }).optional(),
  selector: s.freeObject().optional(),
  template: PodTemplateSpecSchema,
  strategy: s.freeObject().optional(),
  minReadySeconds: s.int32().optional(),
  revisionHistoryLimit: s.int32().optional(),
  paused: s.boolean().optional(),
  progressDeadlineSeconds: s.int32().optional(),
};

/** batch/v1 JobSpec, inlined by ReidJob and VideoAnalyticsJob. */
export const JobSpecShape = {
  parallelism: s.int32({ minimum: 0 }).optional(),
  completions: s.int32({ minimum: 0 }).optional(),
  activeDeadlineSeconds: s.int64({ minimum: 1 }).optional(),
  backoffLimit: s.int32({ minimum: 0 }).optional(),
  selector: s.freeObject().optional(),
  manualSelector: s.boolean().optional(),
  template: PodTemplateSpecSchema,
  ttlSecondsAfterFinished: s.int32().optional(),
  completionMode: s.string().optional(),
  suspend: s.boolean().optional(),
};
