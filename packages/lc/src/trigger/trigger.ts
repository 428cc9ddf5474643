/**
 * A trigger of an incremental learning job (`trainSpec.trigger`, `deploySpec.trigger`): an optional daily time
 * window AND a condition on stats. It fires when both hold.
 *
 * `checkPeriodSeconds` (default 60, as the original's default) is how often the manager evaluates the trigger
 * when nothing else happens: a window opening is only seen by that periodic check, while data changes make the
 * manager evaluate at once. The original parsed the field and ignored it.
 */
import { compileCondition, evaluateCondition, type CompiledCondition, type ConditionResult } from './condition.js';
import { isInWindow, parseTimeWindow, TriggerSpecError, type TimeWindow } from './time-window.js';

export const DEFAULT_CHECK_PERIOD_SECONDS = 60;

/** The trigger as the job spec writes it (`Trigger` of the API). */
export interface TriggerSpec {
  checkPeriodSeconds?: number | undefined;
  timer?: { start: string; end: string } | undefined;
  condition: { operator: string; threshold: number; metric: string };
}

export interface CompiledTrigger {
  readonly checkPeriodSeconds: number;
  readonly window: TimeWindow | undefined;
  readonly condition: CompiledCondition;
}

export type WindowState = 'none' | 'open' | 'closed';

export interface TriggerDecision {
  readonly fire: boolean;
  /** `none` when the trigger has no timer. */
  readonly window: WindowState;
  readonly condition: ConditionResult;
  /** One line for logs: what held and what did not. */
  readonly reason: string;
}

/** Checks and compiles a trigger; errors name the field under `field` (e.g. `spec.trainSpec.trigger`). */
export function compileTrigger(spec: TriggerSpec, field: string): CompiledTrigger {
  if (spec === null || typeof spec !== 'object') throw new TriggerSpecError(field, 'is required');
  const period = spec.checkPeriodSeconds ?? DEFAULT_CHECK_PERIOD_SECONDS;
  if (!Number.isInteger(period) || period < 1) {
    throw new TriggerSpecError(`${field}.checkPeriodSeconds`, `${JSON.stringify(spec.checkPeriodSeconds)} must be a whole number of seconds, at least 1`);
  }
  return {
    checkPeriodSeconds: period,
    window: spec.timer === undefined || spec.timer === null ? undefined : parseTimeWindow(spec.timer, `${field}.timer`),
    condition: compileCondition(spec.condition, `${field}.condition`),
  };
}

export function evaluateTrigger(trigger: CompiledTrigger, stats: Readonly<Record<string, unknown>>, now: Date): TriggerDecision {
  const condition = evaluateCondition(trigger.condition, stats);
  const window: WindowState = trigger.window === undefined ? 'none' : isInWindow(trigger.window, now) ? 'open' : 'closed';
  const fire = condition.satisfied && window !== 'closed';
  const windowText = trigger.window === undefined ? '' : `; time window ${trigger.window.text} is ${window}`;
  return { fire, window, condition, reason: `${condition.explanation}${windowText}` };
}
