/**
 * The IncrementalLearningJob and Model objects as the GM sends them, checked against the API schema (unknown
 * fields pruned) into the few things the manager uses. Errors name the field.
 */
import { IncrementalLearningJobSpecSchema, StageConditionSchema, s, type IncrementalLearningJobSpec, type StageCondition } from '@sedna/api';
import { compileTrigger, TriggerSpecError, type CompiledTrigger } from '../../trigger/index.js';
import type { UpstreamModel } from './upstream.js';

/** Annotations the GM sets on the job (reference §2). */
export const ANNOTATION_STAGE_NODE = { Train: 'sedna.io/Train', Eval: 'sedna.io/Eval', Deploy: 'sedna.io/Deploy' } as const;
export const ANNOTATION_HOT_UPDATE_CONFIG = 'sedna.io/model-hot-update-config';

export class JobObjectError extends Error {
  override readonly name = 'JobObjectError';
}

export interface IlJob {
  /** `namespace/name`. */
  key: string;
  namespace: string;
  name: string;
  uid: string | undefined;
  annotations: Readonly<Record<string, string>>;
  spec: IncrementalLearningJobSpec;
  conditions: readonly StageCondition[];
  /** `namespace/<spec.dataset.name>`, the key of the dataset manager. */
  datasetKey: string;
  trainTrigger: CompiledTrigger;
  deployTrigger: CompiledTrigger;
}

const ConditionsSchema = s.array(StageConditionSchema);

interface Meta {
  name: string;
  namespace: string;
  uid: string | undefined;
  annotations: Record<string, string>;
}

function metadataOf(object: unknown, what: string): Meta {
  if (object === null || typeof object !== 'object' || Array.isArray(object)) throw new JobObjectError(`${what}: expected a JSON object`);
  const metadata = (object as { metadata?: unknown }).metadata as Record<string, unknown> | undefined;
  const name = metadata?.name;
  if (typeof name !== 'string' || name === '') throw new JobObjectError(`${what}: metadata.name is required`);
  const namespace = typeof metadata?.namespace === 'string' && metadata.namespace !== '' ? metadata.namespace : 'default';
  const annotations: Record<string, string> = {};
  const raw = metadata?.annotations;
  if (raw !== null && typeof raw === 'object') {
    for (const [key, value] of Object.entries(raw)) if (typeof value === 'string') annotations[key] = value;
  }
  return { name, namespace, uid: typeof metadata?.uid === 'string' ? metadata.uid : undefined, annotations };
}

function fieldErrors(errors: readonly { field: string; message: string }[], prefix: string): string {
  return errors
    .slice(0, 5)
    .map((e) => `${prefix}${e.field ? `.${e.field}` : ''}: ${e.message}`)
    .join('; ');
}

/** Checks an IncrementalLearningJob object; throws JobObjectError naming the fields at fault. */
export function parseJob(object: unknown): IlJob {
  const meta = metadataOf(object, 'incrementallearningjob');
  const what = `incrementallearningjob ${meta.namespace}/${meta.name}`;
  const body = object as { spec?: unknown; status?: { conditions?: unknown } };
  const spec = IncrementalLearningJobSpecSchema.parse(body.spec, 'prune');
  if (!spec.value) throw new JobObjectError(`${what}: ${fieldErrors(spec.errors, 'spec')}`);
  const conditions = ConditionsSchema.parse(body.status?.conditions ?? [], 'prune');
  if (!conditions.value) throw new JobObjectError(`${what}: ${fieldErrors(conditions.errors, 'status.conditions')}`);
  let trainTrigger: CompiledTrigger;
  let deployTrigger: CompiledTrigger;
  try {
    trainTrigger = compileTrigger(spec.value.trainSpec.trigger, 'spec.trainSpec.trigger');
    deployTrigger = compileTrigger(spec.value.deploySpec.trigger, 'spec.deploySpec.trigger');
  } catch (error) {
    if (error instanceof TriggerSpecError) throw new JobObjectError(`${what}: ${error.message}`);
    throw error;
  }
  return {
    key: `${meta.namespace}/${meta.name}`,
    namespace: meta.namespace,
    name: meta.name,
    uid: meta.uid,
    annotations: meta.annotations,
    spec: spec.value,
    conditions: conditions.value,
    datasetKey: `${meta.namespace}/${spec.value.dataset.name}`,
    trainTrigger,
    deployTrigger,
  };
}

export interface IlModel {
  key: string;
  /** What goes into upstream messages: `{format, url}` (and devices when set). */
  ref: UpstreamModel;
}

/** Checks a Model object (`spec.url`, `spec.format`). */
export function parseModel(object: unknown): IlModel {
  const meta = metadataOf(object, 'model');
  const spec = (object as { spec?: Record<string, unknown> }).spec;
  const where = `model ${meta.namespace}/${meta.name}`;
  if (typeof spec?.url !== 'string' || spec.url === '') throw new JobObjectError(`${where}: spec.url is required`);
  if (typeof spec.format !== 'string' || spec.format === '') throw new JobObjectError(`${where}: spec.format is required`);
  const devices = Array.isArray(spec.device_soc_versions) ? spec.device_soc_versions.filter((d): d is string => typeof d === 'string') : undefined;
  return {
    key: `${meta.namespace}/${meta.name}`,
    ref: { format: spec.format, url: spec.url, ...(devices && devices.length > 0 ? { device_soc_versions: devices } : {}) },
  };
}
