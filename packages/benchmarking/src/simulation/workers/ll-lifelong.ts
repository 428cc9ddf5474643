/**
 * The lib's LifelongLearning as the workers of a simulated lifelong learning case build it (ll-train.ts, ll-eval.ts,
 * ll-infer.ts): the case's basemodel module makes every task model, and every lifelong module of the algorithm YAML
 * fills its slot (task_definition, task_allocation, task_update_decision, unseen_sample_recognition, ...). The
 * task_definition and task_allocation defaults are the test case's (lifelong-tasks.ts). Unseen sample
 * recognition defaults to SampleRecognitionByTaskAttr: a sample is seen when task allocation finds a learned task
 * for it, which is how the case's process decides which model answers; the other slots keep the lib's defaults.
 * Everything else comes from the environment the GM gives the worker (KB_SERVER, OUTPUT_URL, MODEL_URLS, ...).
 */
import { readFileSync } from 'node:fs';
import { LifelongLearning, type LifelongLearningOptions } from '@sedna/lib/lifelong-learning';
import type { ModuleType } from '../../config/algorithm.js';
import { findModule, moduleInstance, useCompiledModules } from '../../cases/modules.js';
import type { CaseSpec } from '../../cases/spec.js';
import { lifelongModules } from '../../paradigms/lifelong-tasks.js';
import type { BaseModel } from '../../paradigms/types.js';

type SlotName = 'taskRelationshipDiscovery' | 'taskRemodeling' | 'inferenceIntegrate' | 'taskUpdateDecision' | 'unseenTaskAllocation' | 'unseenSampleRecognition' | 'unseenSampleReRecognition';

/** The module types (besides task_definition and task_allocation) that fill a LifelongLearning slot. */
const SLOT_OF_MODULE: Record<string, SlotName> = {
  task_relationship_discovery: 'taskRelationshipDiscovery',
  task_remodeling: 'taskRemodeling',
  inference_integrate: 'inferenceIntegrate',
  task_update_decision: 'taskUpdateDecision',
  unseen_task_allocation: 'unseenTaskAllocation',
  unseen_sample_recognition: 'unseenSampleRecognition',
  unseen_sample_re_recognition: 'unseenSampleReRecognition',
} satisfies Partial<Record<ModuleType, SlotName>>;

/** The case this worker belongs to (CASE_SPEC), with the runner's compiled module files in use. */
export function workerCase(): CaseSpec {
  const file = process.env.CASE_SPEC;
  if (!file) throw new Error('environment variable CASE_SPEC is not set (the simulated job gives it to its workers)');
  const spec = JSON.parse(readFileSync(file, 'utf8')) as CaseSpec;
  useCompiledModules(spec.compiledModules);
  return spec;
}

export async function lifelongOfCase(spec: CaseSpec, options: Pick<LifelongLearningOptions, 'log' | 'kb' | 'settings' | 'unseenSamplePostprocess'> = {}): Promise<LifelongLearning> {
  const modules = await lifelongModules(spec);
  const slots: Partial<Pick<LifelongLearningOptions, SlotName>> = {};
  for (const [type, slot] of Object.entries(SLOT_OF_MODULE)) {
    const module = findModule(spec.modules, type as ModuleType);
    if (module) slots[slot] = await moduleInstance<never>(module);
  }
  return new LifelongLearning({
    seenEstimator: () => moduleInstance<BaseModel>(modules.base),
    taskDefinition: modules.definition,
    taskAllocation: modules.allocation,
    unseenSampleRecognition: { method: 'SampleRecognitionByTaskAttr' },
    ...slots,
    ...options,
  });
}
