/**
 * The condition of a trigger: `{operator, threshold, metric}` compared against the stats the manager computes
 * (train: `num_of_samples`; deploy: each eval metric `m` and `m_delta`, new model minus old).
 *
 * As in the original:
 * - operators `gt >`, `ge >=`, `eq = ==`, `ne !=`, `le <=`, `lt <`;
 * - two values closer than 1e-6 are equal: `eq` is true, `ne`, `gt` and `lt` are false, `ge` and `le` are true;
 * - `metric[i]` picks element i of a list metric; numeric strings count as numbers.
 *
 * Decided here (the original compared 0 instead, silently): a list metric without an index means every element
 * must satisfy the condition, so `precision_delta > 0.1` asks every class to improve by more than 0.1. An empty
 * list satisfies nothing. A plain number counts as a list of one, so `accuracy_delta[0]` works on a scalar too.
 * A missing metric, an index past the end or a value that is not a number is not satisfied, and the result
 * carries a `problem` the manager surfaces to the user instead of comparing a made-up value.
 */
import { TriggerSpecError } from './time-window.js';

export const OPERATOR_NAMES = {
  gt: 'gt',
  '>': 'gt',
  ge: 'ge',
  '>=': 'ge',
  eq: 'eq',
  '=': 'eq',
  '==': 'eq',
  ne: 'ne',
  '!=': 'ne',
  le: 'le',
  '<=': 'le',
  lt: 'lt',
  '<': 'lt',
} as const;

export type OperatorName = (typeof OPERATOR_NAMES)[keyof typeof OPERATOR_NAMES];

const SYMBOL: Record<OperatorName, string> = { gt: '>', ge: '>=', eq: '==', ne: '!=', le: '<=', lt: '<' };

/** Values closer than this are equal (the original's tolerance). */
export const EQUALITY_EPSILON = 1e-6;

export interface CompiledCondition {
  readonly operator: OperatorName;
  readonly threshold: number;
  /** The stats key, without the index. */
  readonly metric: string;
  /** The list index of `metric[i]`, if any. */
  readonly index: number | undefined;
  /** As written, for messages: `precision_delta[0] > 0.1`. */
  readonly text: string;
}

export interface ConditionResult {
  readonly satisfied: boolean;
  /** What was compared and how it came out, for logs: `num_of_samples = 812 > 500`. */
  readonly explanation: string;
  /** Set when the comparison could not be made (missing metric, bad index, not a number): worth telling the user. */
  readonly problem?: string;
}

const METRIC = /^([A-Za-z_][A-Za-z0-9_]*)(?:\[(\d+)\])?$/;

export function compileCondition(condition: { operator: string; threshold: number | string; metric: string }, field: string): CompiledCondition {
  if (condition === null || typeof condition !== 'object') throw new TriggerSpecError(field, 'is required: {operator, threshold, metric}');
  const operator = (OPERATOR_NAMES as Record<string, OperatorName>)[typeof condition.operator === 'string' ? condition.operator.trim() : ''];
  if (operator === undefined) {
    throw new TriggerSpecError(`${field}.operator`, `${JSON.stringify(condition.operator)} is not an operator (${Object.keys(OPERATOR_NAMES).join(' ')})`);
  }
  const threshold = toNumber(condition.threshold);
  if (threshold === undefined) throw new TriggerSpecError(`${field}.threshold`, `${JSON.stringify(condition.threshold)} is not a number`);
  const match = typeof condition.metric === 'string' ? METRIC.exec(condition.metric.trim()) : null;
  if (!match) {
    throw new TriggerSpecError(`${field}.metric`, `${JSON.stringify(condition.metric)} is not a metric name with an optional index, such as num_of_samples or precision_delta[0]`);
  }
  const metric = match[1] as string;
  const index = match[2] === undefined ? undefined : Number(match[2]);
  return { operator, threshold, metric, index, text: `${condition.metric.trim()} ${SYMBOL[operator]} ${threshold}` };
}

/** One comparison with the original's tolerance. */
export function compare(value: number, operator: OperatorName, threshold: number): boolean {
  const equal = Math.abs(value - threshold) < EQUALITY_EPSILON;
  switch (operator) {
    case 'gt':
      return !equal && value > threshold;
    case 'ge':
      return equal || value >= threshold;
    case 'eq':
      return equal;
    case 'ne':
      return !equal;
    case 'le':
      return equal || value <= threshold;
    case 'lt':
      return !equal && value < threshold;
  }
}

export function evaluateCondition(condition: CompiledCondition, stats: Readonly<Record<string, unknown>>): ConditionResult {
  const unsatisfied = (problem: string): ConditionResult => ({ satisfied: false, explanation: `${condition.text}: ${problem}`, problem });
  if (!Object.prototype.hasOwnProperty.call(stats, condition.metric)) {
    const known = Object.keys(stats).sort();
    return unsatisfied(`metric "${condition.metric}" is not known here (known: ${known.length > 0 ? known.join(', ') : 'none'})`);
  }
  const raw = stats[condition.metric];
  const list = Array.isArray(raw) ? (raw as readonly unknown[]) : [raw];
  const shown = (values: readonly number[]): string => (Array.isArray(raw) ? `[${values.join(', ')}]` : String(values[0]));

  if (condition.index !== undefined) {
    if (condition.index >= list.length) {
      return unsatisfied(`index ${condition.index} is past the end of ${condition.metric} (${list.length} element${list.length === 1 ? '' : 's'})`);
    }
    const value = toNumber(list[condition.index]);
    if (value === undefined) return unsatisfied(`${condition.metric}[${condition.index}] is ${describeValue(list[condition.index])}, not a number`);
    const satisfied = compare(value, condition.operator, condition.threshold);
    return { satisfied, explanation: `${condition.metric}[${condition.index}] = ${value}: ${condition.text} is ${satisfied}` };
  }

  if (list.length === 0) return unsatisfied(`${condition.metric} is an empty list`);
  const values: number[] = [];
  for (const [position, element] of list.entries()) {
    const value = toNumber(element);
    if (value === undefined) {
      const where = Array.isArray(raw) ? `${condition.metric}[${position}]` : condition.metric;
      return unsatisfied(`${where} is ${describeValue(element)}, not a number`);
    }
    values.push(value);
  }
  const failing = values.findIndex((value) => !compare(value, condition.operator, condition.threshold));
  if (!Array.isArray(raw)) {
    return { satisfied: failing < 0, explanation: `${condition.metric} = ${shown(values)}: ${condition.text} is ${failing < 0}` };
  }
  return {
    satisfied: failing < 0,
    explanation:
      failing < 0
        ? `${condition.metric} = ${shown(values)}: every element satisfies ${condition.text}`
        : `${condition.metric} = ${shown(values)}: element ${failing} (${values[failing]}) does not satisfy ${condition.text} (a list without an index needs every element to)`,
  };
}

/** A finite number from a number or a numeric string; undefined otherwise. */
export function toNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string' && value.trim() !== '') {
    const parsed = Number(value);
    return Number.isFinite(parsed) ? parsed : undefined;
  }
  return undefined;
}

function describeValue(value: unknown): string {
  return typeof value === 'number' ? String(value) : value === undefined ? 'undefined' : JSON.stringify(value);
}
