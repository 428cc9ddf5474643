/**
 * The IncrementalLearningJob object as the GM sends it, checked against the API schema (unknown fields pruned)
 * into what the manager uses, with both triggers compiled. Errors name the field.
 */
import { IncrementalLearningJobSpecSchema, type IncrementalLearningJobSpec } from '@sedna/api';
import { compileTrigger, TriggerSpecError, type CompiledTrigger } from '../../trigger/index.js';
import type { StageJob } from '../stagejob/job-manager.js';
import { fieldErrors, JobObjectError, metadataOf, parseStageStatus, stageJobFields, type StageModel } from '../stagejob/objects.js';

import { HOT_UPDATE_CONFIG_ANNOTATION as ANNOTATION_HOT_UPDATE_CONFIG } from '@sedna/api';
export { ANNOTATION_HOT_UPDATE_CONFIG };

export interface IlJob extends StageJob {
  spec: IncrementalLearningJobSpec;
  deployTrigger: CompiledTrigger;
}

/** A Model as the incremental learning manager knows it. */
export type IlModel = StageModel;

/** Checks an IncrementalLearningJob object; throws JobObjectError naming the fields at fault. */
export function parseJob(object: unknown): IlJob {
  const meta = metadataOf(object, 'incrementallearningjob');
  const what = `incrementallearningjob ${meta.namespace}/${meta.name}`;
  const body = object as { spec?: unknown; status?: { conditions?: unknown } };
  const spec = IncrementalLearningJobSpecSchema.parse(body.spec, 'prune');
  if (!spec.value) throw new JobObjectError(`${what}: ${fieldErrors(spec.errors, 'spec')}`);
  const stage = parseStageStatus(body, what);
  let trainTrigger: CompiledTrigger;
  let deployTrigger: CompiledTrigger;
  try {
    trainTrigger = compileTrigger(spec.value.trainSpec.trigger, 'spec.trainSpec.trigger');
    deployTrigger = compileTrigger(spec.value.deploySpec.trigger, 'spec.deploySpec.trigger');
  } catch (error) {
    if (error instanceof TriggerSpecError) throw new JobObjectError(`${what}: ${error.message}`);
    throw error;
  }
  return { ...stageJobFields(meta, spec.value, stage, trainTrigger), spec: spec.value, deployTrigger };
}
