/**
 * The slots of LifelongLearning, the registry type each looks its algorithm up in (the original ClassType strings),
 * the method an algorithm must have to fill it, and the default algorithm. Several slots share a registry type (all
 * the seen-task steps are `seen_task_processing`), so a name is also checked against the slot: a task allocation
 * named in the task_definition slot is refused with the list of task definitions.
 */
import { ClassFactory, ClassType, UnknownAlgorithmError, normalizeParam } from '../../common/class-factory.js';
import type { LifelongParams } from './params.js';
import type {
  InferenceIntegrate,
  TaskAllocation,
  TaskDefinition,
  TaskRelationDiscovery,
  TaskRemodeling,
  TaskUpdateDecision,
  UnseenSampleReRecognition,
  UnseenSampleRecognition,
  UnseenTaskAllocation,
} from './types.js';

export interface LifelongSlotTypes {
  task_definition: TaskDefinition;
  task_relationship_discovery: TaskRelationDiscovery;
  task_allocation: TaskAllocation;
  task_remodeling: TaskRemodeling;
  inference_integrate: InferenceIntegrate;
  task_update_decision: TaskUpdateDecision;
  unseen_task_allocation: UnseenTaskAllocation;
  unseen_sample_recognition: UnseenSampleRecognition;
  unseen_sample_re_recognition: UnseenSampleReRecognition;
}

export type LifelongSlot = keyof LifelongSlotTypes;

interface SlotInfo {
  readonly type: string;
  /** The method every algorithm of the slot has. */
  readonly method: string;
  /** What the slot is called in messages. */
  readonly what: string;
  readonly defaultMethod: string;
}

export const LIFELONG_SLOTS: Readonly<Record<LifelongSlot, SlotInfo>> = {
  task_definition: { type: ClassType.STP, method: 'define', what: 'task definition', defaultMethod: 'TaskDefinitionByDataAttr' },
  task_relationship_discovery: { type: ClassType.STP, method: 'discover', what: 'task relationship discovery', defaultMethod: 'DefaultTaskRelationDiscover' },
  task_allocation: { type: ClassType.STP, method: 'allocate', what: 'task allocation', defaultMethod: 'TaskAllocationDefault' },
  task_remodeling: { type: ClassType.STP, method: 'remodel', what: 'task remodeling', defaultMethod: 'DefaultTaskRemodeling' },
  inference_integrate: { type: ClassType.STP, method: 'integrate', what: 'inference integration', defaultMethod: 'DefaultInferenceIntegrate' },
  task_update_decision: { type: ClassType.KM, method: 'decide', what: 'task update decision', defaultMethod: 'UpdateStrategyDefault' },
  unseen_task_allocation: { type: ClassType.UTP, method: 'allocate', what: 'unseen task allocation', defaultMethod: 'UnseenTaskAllocationDefault' },
  unseen_sample_recognition: { type: ClassType.UTD, method: 'recognize', what: 'unseen sample recognition', defaultMethod: 'SampleRegonitionDefault' },
  unseen_sample_re_recognition: { type: ClassType.UTD, method: 'split', what: 'unseen sample re-recognition', defaultMethod: 'SampleReRegonitionDefault' },
};

/** A slot's method dict, as the original took it: `{method, param}`; `param` may be JSON text. */
export interface LifelongAlgorithmSpec {
  readonly method: string;
  readonly param?: LifelongParams | string;
}

/** The registered names that can fill `slot`, sorted. */
export function knownAlgorithms(slot: LifelongSlot): string[] {
  const info = LIFELONG_SLOTS[slot];
  return ClassFactory.list(info.type).filter((name) => {
    const target = ClassFactory.getCls(info.type, name) as { prototype?: Record<string, unknown> };
    return typeof target.prototype?.[info.method] === 'function';
  });
}

/**
 * The algorithm for `slot`: an instance as given, a method dict looked up in the ClassFactory, or the slot's default
 * (null/undefined). An unknown name, or one that does not fit the slot, is an error listing the names that do.
 */
export function createLifelongAlgorithm<S extends LifelongSlot>(slot: S, spec: LifelongSlotTypes[S] | LifelongAlgorithmSpec | null | undefined): LifelongSlotTypes[S] {
  const info = LIFELONG_SLOTS[slot];
  if (spec !== null && spec !== undefined && !isMethodDict(spec)) {
    if (typeof (spec as unknown as Record<string, unknown>)[info.method] !== 'function') throw new Error(`${slot}: the object given has no ${info.method}() method, so it is not a ${info.what}`);
    return spec as LifelongSlotTypes[S];
  }
  const dict = spec ?? { method: info.defaultMethod };
  if (typeof dict.method !== 'string' || dict.method === '') throw new Error(`${slot}: the method dict needs a "method" name (known ${info.what} algorithms: ${knownAlgorithms(slot).join(', ')})`);
  let target: unknown;
  try {
    target = ClassFactory.getCls(info.type, dict.method);
  } catch (error) {
    if (error instanceof UnknownAlgorithmError) {
      throw new Error(`${slot}: no ${info.what} named "${dict.method}" (known: ${knownAlgorithms(slot).join(', ')})`, { cause: error });
    }
    throw error;
  }
  const prototype = (target as { prototype?: Record<string, unknown> }).prototype;
  if (typeof prototype?.[info.method] !== 'function') {
    throw new Error(`${slot}: "${dict.method}" is registered as ${info.type} but is not a ${info.what} (known: ${knownAlgorithms(slot).join(', ')})`);
  }
  const param = normalizeParam<LifelongParams>(dict.param, `${slot} "${dict.method}"`);
  return new (target as new (param: LifelongParams) => LifelongSlotTypes[S])(param);
}

function isMethodDict(spec: object): spec is LifelongAlgorithmSpec {
  return typeof (spec as { method?: unknown }).method === 'string' || (Object.keys(spec).length > 0 && Object.keys(spec).every((k) => k === 'method' || k === 'param'));
}
