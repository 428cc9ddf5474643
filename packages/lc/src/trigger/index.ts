export {
  compare,
  compileCondition,
  evaluateCondition,
  toNumber,
  EQUALITY_EPSILON,
  OPERATOR_NAMES,
  type CompiledCondition,
  type ConditionResult,
  type OperatorName,
} from './condition.js';
export { isInWindow, minuteOfDay, parseTimeOfDay, parseTimeWindow, MINUTES_PER_DAY, TriggerSpecError, type TimeWindow } from './time-window.js';
export {
  compileTrigger,
  evaluateTrigger,
  DEFAULT_CHECK_PERIOD_SECONDS,
  type CompiledTrigger,
  type TriggerDecision,
  type TriggerSpec,
  type WindowState,
} from './trigger.js';
