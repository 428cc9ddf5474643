/**
 * The LifelongLearningJob object as the GM sends it, checked against the API schema (unknown fields pruned) into
 * what the manager uses, with the train trigger compiled. Errors name the field.
 */
import { LifelongLearningJobSpecSchema, type LifelongLearningJobSpec } from '@sedna/api';
import { compileTrigger, TriggerSpecError } from '../../trigger/index.js';
import type { StageJob } from '../stagejob/job-manager.js';
import { fieldErrors, JobObjectError, metadataOf, parseStageStatus, stageJobFields } from '../stagejob/objects.js';

export interface LlJob extends StageJob {
  spec: LifelongLearningJobSpec;
}

/** Checks a LifelongLearningJob object; throws JobObjectError naming the fields at fault. */
export function parseLifelongJob(object: unknown): LlJob {
  const meta = metadataOf(object, 'lifelonglearningjob');
  const what = `lifelonglearningjob ${meta.namespace}/${meta.name}`;
  const body = object as { spec?: unknown; status?: { conditions?: unknown } };
  const spec = LifelongLearningJobSpecSchema.parse(body.spec, 'prune');
  if (!spec.value) throw new JobObjectError(`${what}: ${fieldErrors(spec.errors, 'spec')}`);
  const stage = parseStageStatus(body, what);
  try {
    return { ...stageJobFields(meta, spec.value, stage, compileTrigger(spec.value.trainSpec.trigger, 'spec.trainSpec.trigger')), spec: spec.value };
  } catch (error) {
    if (error instanceof TriggerSpecError) throw new JobObjectError(`${what}: ${error.message}`);
    throw error;
  }
}
