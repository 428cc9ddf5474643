/**
 * What the stage job managers share of the objects the GM sends: metadata, the append-only stage conditions and
 * Model objects, checked against the API schema into the few things the managers use. Errors name the field.
 */
import { StageConditionSchema, s, type StageCondition } from '@sedna/api';
import type { CompiledTrigger } from '../../trigger/index.js';
import { stageRound, type UpstreamModel } from '@sedna/api/contracts';

/** Annotations the GM sets on the job: the node each stage's worker runs on (reference §2). */
export const ANNOTATION_STAGE_NODE = { Train: 'sedna.io/Train', Eval: 'sedna.io/Eval', Deploy: 'sedna.io/Deploy' } as const;

export class JobObjectError extends Error {
  override readonly name = 'JobObjectError';
}

export interface ObjectMeta {
  name: string;
  namespace: string;
  uid: string | undefined;
  annotations: Record<string, string>;
}

export function metadataOf(object: unknown, what: string): ObjectMeta {
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

export function fieldErrors(errors: readonly { field: string; message: string }[], prefix: string): string {
  return errors
    .slice(0, 5)
    .map((e) => `${prefix}${e.field ? `.${e.field}` : ''}: ${e.message}`)
    .join('; ');
}

const ConditionsSchema = s.array(StageConditionSchema);

/** The job's stage status: `status.conditions` and `status.round`, checked; throws JobObjectError naming the field at fault. */
export function parseStageStatus(body: { status?: { conditions?: unknown; round?: unknown } }, what: string): { conditions: StageCondition[]; round: number } {
  const conditions = ConditionsSchema.parse(body.status?.conditions ?? [], 'prune');
  if (!conditions.value) throw new JobObjectError(`${what}: ${fieldErrors(conditions.errors, 'status.conditions')}`);
  const round = body.status?.round;
  if (round !== undefined && !(Number.isInteger(round) && (round as number) >= 0)) throw new JobObjectError(`${what}: status.round must be a non-negative integer; got ${JSON.stringify(round)}`);
  // A job written before status.round existed: its round is its count of Train/Ready conditions.
  return { conditions: conditions.value, round: stageRound({ conditions: conditions.value, ...(round !== undefined ? { round: round as number } : {}) }) };
}

/** The fields every stage job has, from its metadata and the parts of the spec both features share. */
export function stageJobFields(
  meta: ObjectMeta,
  spec: { dataset: { name: string; trainProb: number }; outputDir: string },
  stage: { conditions: StageCondition[]; round: number },
  trainTrigger: CompiledTrigger,
) {
  return {
    key: `${meta.namespace}/${meta.name}`,
    namespace: meta.namespace,
    name: meta.name,
    uid: meta.uid,
    annotations: meta.annotations,
    conditions: stage.conditions,
    /** The current round (status.round): with the latest condition, the mark of what was done (stageMark). */
    round: stage.round,
    datasetKey: `${meta.namespace}/${spec.dataset.name}`,
    trainProb: spec.dataset.trainProb,
    outputDir: spec.outputDir,
    trainTrigger,
  };
}

export interface StageModel {
  key: string;
  /** What goes into upstream messages: `{format, url}` (and devices when set). */
  ref: UpstreamModel;
}

/** Checks a Model object (`spec.url`, `spec.format`). */
export function parseModel(object: unknown): StageModel {
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
