/**
 * The field numbers of the Kubernetes objects kubectl's generators send as protobuf (`kubectl create namespace |
 * secret generic | configmap | service | deployment | serviceaccount`), from k8s.io/api's generated.proto files.
 * Fields not listed here are skipped when decoding (the JSON path has every field).
 */

export type Scalar = 'string' | 'int' | 'bool' | 'bytes' | 'time' | 'quantity' | 'intOrString';

export interface FieldDescriptor {
  name: string;
  type: Scalar | MessageDescriptor | { map: Scalar | MessageDescriptor };
  repeated?: boolean;
  /** A pointer field in Go (sent only when set): its 0 or false is a value. Other zeros are Go's omitted defaults. */
  pointer?: boolean;
}

export type MessageDescriptor = { [number: number]: FieldDescriptor };

const f = (name: string, type: FieldDescriptor['type'], repeated = false): FieldDescriptor => ({ name, type, ...(repeated ? { repeated } : {}) });
const ptr = (name: string, type: FieldDescriptor['type']): FieldDescriptor => ({ name, type, pointer: true });

const OwnerReference: MessageDescriptor = { 1: f('kind', 'string'), 3: f('name', 'string'), 4: f('uid', 'string'), 5: f('apiVersion', 'string'), 6: ptr('controller', 'bool'), 7: ptr('blockOwnerDeletion', 'bool') };

export const ObjectMeta: MessageDescriptor = {
  1: f('name', 'string'),
  2: f('generateName', 'string'),
  3: f('namespace', 'string'),
  5: f('uid', 'string'),
  6: f('resourceVersion', 'string'),
  7: f('generation', 'int'),
  8: f('creationTimestamp', 'time'),
  11: f('labels', { map: 'string' }),
  12: f('annotations', { map: 'string' }),
  13: f('ownerReferences', OwnerReference, true),
  14: f('finalizers', 'string', true),
};

const LabelSelectorRequirement: MessageDescriptor = { 1: f('key', 'string'), 2: f('operator', 'string'), 3: f('values', 'string', true) };
const LabelSelector: MessageDescriptor = { 1: f('matchLabels', { map: 'string' }), 2: f('matchExpressions', LabelSelectorRequirement, true) };

const ContainerPort: MessageDescriptor = { 1: f('name', 'string'), 2: f('hostPort', 'int'), 3: f('containerPort', 'int'), 4: f('protocol', 'string'), 5: f('hostIP', 'string') };
const EnvVar: MessageDescriptor = { 1: f('name', 'string'), 2: f('value', 'string') };
const ResourceRequirements: MessageDescriptor = { 1: f('limits', { map: 'quantity' }), 2: f('requests', { map: 'quantity' }) };
const VolumeMount: MessageDescriptor = { 1: f('name', 'string'), 2: f('readOnly', 'bool'), 3: f('mountPath', 'string'), 4: f('subPath', 'string') };

const Container: MessageDescriptor = {
  1: f('name', 'string'),
  2: f('image', 'string'),
  3: f('command', 'string', true),
  4: f('args', 'string', true),
  5: f('workingDir', 'string'),
  6: f('ports', ContainerPort, true),
  7: f('env', EnvVar, true),
  8: f('resources', ResourceRequirements),
  9: f('volumeMounts', VolumeMount, true),
  13: f('terminationMessagePath', 'string'),
  14: f('imagePullPolicy', 'string'),
  20: f('terminationMessagePolicy', 'string'),
};

const PodSpec: MessageDescriptor = {
  2: f('containers', Container, true),
  3: f('restartPolicy', 'string'),
  4: ptr('terminationGracePeriodSeconds', 'int'),
  6: f('dnsPolicy', 'string'),
  7: f('nodeSelector', { map: 'string' }),
  8: f('serviceAccountName', 'string'),
  10: f('nodeName', 'string'),
  19: f('schedulerName', 'string'),
};

const PodTemplateSpec: MessageDescriptor = { 1: f('metadata', ObjectMeta), 2: f('spec', PodSpec) };

const RollingUpdateDeployment: MessageDescriptor = { 1: f('maxUnavailable', 'intOrString'), 2: f('maxSurge', 'intOrString') };
const DeploymentStrategy: MessageDescriptor = { 1: f('type', 'string'), 2: f('rollingUpdate', RollingUpdateDeployment) };
const DeploymentSpec: MessageDescriptor = {
  1: ptr('replicas', 'int'),
  2: f('selector', LabelSelector),
  3: f('template', PodTemplateSpec),
  4: f('strategy', DeploymentStrategy),
  5: f('minReadySeconds', 'int'),
  6: ptr('revisionHistoryLimit', 'int'),
  7: f('paused', 'bool'),
  9: ptr('progressDeadlineSeconds', 'int'),
};

const ServicePort: MessageDescriptor = { 1: f('name', 'string'), 2: f('protocol', 'string'), 3: f('port', 'int'), 4: f('targetPort', 'intOrString'), 5: f('nodePort', 'int'), 6: f('appProtocol', 'string') };
const ServiceSpec: MessageDescriptor = {
  1: f('ports', ServicePort, true),
  2: f('selector', { map: 'string' }),
  3: f('clusterIP', 'string'),
  4: f('type', 'string'),
  5: f('externalIPs', 'string', true),
  7: f('sessionAffinity', 'string'),
  10: f('externalName', 'string'),
  18: f('clusterIPs', 'string', true),
};

const ObjectReference: MessageDescriptor = { 1: f('kind', 'string'), 2: f('namespace', 'string'), 3: f('name', 'string'), 4: f('uid', 'string'), 5: f('apiVersion', 'string') };

/** Top-level objects by `apiVersion/kind`. */
export const OBJECTS: Record<string, MessageDescriptor> = {
  'v1/Namespace': { 1: f('metadata', ObjectMeta), 2: f('spec', { 1: f('finalizers', 'string', true) }) },
  'v1/Secret': { 1: f('metadata', ObjectMeta), 2: f('data', { map: 'bytes' }), 3: f('type', 'string'), 4: f('stringData', { map: 'string' }), 5: ptr('immutable', 'bool') },
  'v1/ConfigMap': { 1: f('metadata', ObjectMeta), 2: f('data', { map: 'string' }), 3: f('binaryData', { map: 'bytes' }), 4: ptr('immutable', 'bool') },
  'v1/Service': { 1: f('metadata', ObjectMeta), 2: f('spec', ServiceSpec) },
  'v1/ServiceAccount': { 1: f('metadata', ObjectMeta), 2: f('secrets', ObjectReference, true), 4: ptr('automountServiceAccountToken', 'bool') },
  'apps/v1/Deployment': { 1: f('metadata', ObjectMeta), 2: f('spec', DeploymentSpec) },
  // `kubectl auth can-i` and `kubectl auth whoami`.
  'authorization.k8s.io/v1/SelfSubjectAccessReview': {
    1: f('metadata', ObjectMeta),
    2: f('spec', {
      1: f('resourceAttributes', { 1: f('namespace', 'string'), 2: f('verb', 'string'), 3: f('group', 'string'), 4: f('version', 'string'), 5: f('resource', 'string'), 6: f('subresource', 'string'), 7: f('name', 'string') }),
      2: f('nonResourceAttributes', { 1: f('path', 'string'), 2: f('verb', 'string') }),
    }),
  },
  'authentication.k8s.io/v1/SelfSubjectReview': { 1: f('metadata', ObjectMeta) },
};
