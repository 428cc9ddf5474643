import { describe, expect, it } from 'vitest';
import { compileCondition, evaluateCondition } from './condition.js';
import { isInWindow, parseTimeOfDay, parseTimeWindow } from './time-window.js';
import { compileTrigger, evaluateTrigger, type TriggerSpec } from './trigger.js';

/** A local time today. */
function at(hhmm: string, seconds = 0): Date {
  const [h, m] = hhmm.split(':').map(Number);
  const d = new Date(2026, 0, 15, h, m, seconds);
  return d;
}

describe('time windows', () => {
  const cases: [start: string, end: string, now: string, inside: boolean][] = [
    ['02:00', '20:00', '02:00', true], // start inclusive
    ['02:00', '20:00', '20:00', true], // end inclusive, the whole minute
    ['02:00', '20:00', '01:59', false],
    ['02:00', '20:00', '20:01', false],
    ['02:00', '20:00', '12:34', true],
    ['2:00', '10:00', '09:00', true], // one-digit hour: the original's string compare got this wrong
    ['2:00', '10:00', '01:00', false],
    ['23:00', '01:00', '23:30', true], // past midnight
    ['23:00', '01:00', '00:00', true],
    ['23:00', '01:00', '01:00', true],
    ['23:00', '01:00', '01:01', false],
    ['23:00', '01:00', '22:59', false],
    ['00:00', '24:00', '23:59', true], // the sample's end: 24:00
    ['00:00', '24:00', '00:00', true],
    ['12:00', '12:00', '12:00', true], // a one-minute window
    ['12:00', '12:00', '12:01', false],
  ];
  it.each(cases)('%s-%s at %s: inside = %s', (start, end, now, inside) => {
    expect(isInWindow(parseTimeWindow({ start, end }, 'timer'), at(now, 45))).toBe(inside);
  });

  it.each([['25:00'], ['12:60'], ['24:01'], ['noon'], ['1200'], ['']])('refuses %j naming the field', (text) => {
    expect(() => parseTimeOfDay(text, 'spec.trainSpec.trigger.timer.start')).toThrow(/^spec\.trainSpec\.trigger\.timer\.start: /);
  });
});

describe('conditions', () => {
  const stats = {
    num_of_samples: 500,
    almost: 500.0000004,
    precision: [0.9, 0.8],
    precision_delta: [0.12, 0.05],
    recall_delta: [0.2, 0.15],
    accuracy_delta: 0.03,
    as_text: '0.5',
    empty: [],
    broken: ['x'],
    nan: Number.NaN,
  };
  const cases: [metric: string, operator: string, threshold: number, satisfied: boolean][] = [
    // each operator, word and symbol, around the threshold
    ['num_of_samples', 'gt', 499, true],
    ['num_of_samples', '>', 500, false],
    ['num_of_samples', 'ge', 500, true],
    ['num_of_samples', '>=', 501, false],
    ['num_of_samples', 'eq', 500, true],
    ['num_of_samples', '=', 501, false],
    ['num_of_samples', '==', 500, true],
    ['num_of_samples', 'ne', 500, false],
    ['num_of_samples', '!=', 499, true],
    ['num_of_samples', 'le', 500, true],
    ['num_of_samples', '<=', 499, false],
    ['num_of_samples', 'lt', 501, true],
    ['num_of_samples', '<', 500, false],
    // within 1e-6 counts as equal
    ['almost', 'eq', 500, true],
    ['almost', 'ne', 500, false],
    ['almost', 'gt', 500, false],
    ['almost', 'ge', 500, true],
    ['almost', 'lt', 500, false],
    ['almost', 'le', 500, true],
    // indexing
    ['precision_delta[0]', '>', 0.1, true],
    ['precision_delta[1]', '>', 0.1, false],
    ['accuracy_delta[0]', '>', 0.02, true], // a number is a list of one
    // a list without an index: every element must satisfy
    ['precision_delta', '>', 0.1, false],
    ['recall_delta', '>', 0.1, true],
    ['precision', '>=', 0.8, true],
    // numeric strings
    ['as_text', '==', 0.5, true],
  ];
  it.each(cases)('%s %s %s is %s', (metric, operator, threshold, satisfied) => {
    const result = evaluateCondition(compileCondition({ operator, threshold, metric }, 'c'), stats);
    expect(result.satisfied).toBe(satisfied);
    expect(result.problem).toBeUndefined();
  });

  const problems: [metric: string, problem: RegExp][] = [
    ['missing', /metric "missing" is not known here \(known: accuracy_delta, almost/],
    ['precision_delta[2]', /index 2 is past the end of precision_delta \(2 elements\)/],
    ['accuracy_delta[1]', /index 1 is past the end of accuracy_delta \(1 element\)/],
    ['empty', /empty is an empty list/],
    ['broken', /broken\[0\] is "x", not a number/],
    ['nan', /nan is NaN, not a number/],
  ];
  it.each(problems)('%s is not satisfied and says why', (metric, problem) => {
    const result = evaluateCondition(compileCondition({ operator: '>', threshold: 0, metric }, 'c'), stats);
    expect(result.satisfied).toBe(false);
    expect(result.problem).toMatch(problem);
  });

  it('explains a list that fails on one element', () => {
    const result = evaluateCondition(compileCondition({ operator: '>', threshold: 0.1, metric: 'precision_delta' }, 'c'), stats);
    expect(result.explanation).toBe('precision_delta = [0.12, 0.05]: element 1 (0.05) does not satisfy precision_delta > 0.1 (a list without an index needs every element to)');
  });

  it.each([
    [{ operator: 'bigger', threshold: 1, metric: 'a' }, /^t\.condition\.operator: "bigger" is not an operator/],
    [{ operator: '>', threshold: 'x', metric: 'a' }, /^t\.condition\.threshold: "x" is not a number/],
    [{ operator: '>', threshold: 1, metric: 'a[x]' }, /^t\.condition\.metric: "a\[x\]" is not a metric name/],
    [{ operator: '>', threshold: 1, metric: '' }, /^t\.condition\.metric/],
  ])('refuses a bad condition naming the field: %j', (condition, message) => {
    expect(() => compileTrigger({ condition } as unknown as TriggerSpec, 't')).toThrow(message);
  });
});

describe('triggers: window AND condition', () => {
  const spec: TriggerSpec = { checkPeriodSeconds: 30, timer: { start: '02:00', end: '20:00' }, condition: { operator: '>', threshold: 500, metric: 'num_of_samples' } };
  const trigger = compileTrigger(spec, 'spec.trainSpec.trigger');
  const cases: [now: string, samples: number, fire: boolean, window: string][] = [
    ['10:00', 501, true, 'open'],
    ['10:00', 500, false, 'open'],
    ['21:00', 501, false, 'closed'],
    ['21:00', 10, false, 'closed'],
  ];
  it.each(cases)('at %s with %s samples: fire = %s (window %s)', (now, samples, fire, window) => {
    const decision = evaluateTrigger(trigger, { num_of_samples: samples }, at(now));
    expect(decision.fire).toBe(fire);
    expect(decision.window).toBe(window);
  });

  it('keeps checkPeriodSeconds, defaults it to 60, and has no window without a timer', () => {
    expect(trigger.checkPeriodSeconds).toBe(30);
    const plain = compileTrigger({ condition: spec.condition }, 't');
    expect(plain.checkPeriodSeconds).toBe(60);
    expect(evaluateTrigger(plain, { num_of_samples: 600 }, at('23:59'))).toMatchObject({ fire: true, window: 'none' });
    expect(() => compileTrigger({ ...spec, checkPeriodSeconds: 0 }, 't')).toThrow(/^t\.checkPeriodSeconds: 0 must be a whole number of seconds/);
  });

  it('says why it did not fire', () => {
    expect(evaluateTrigger(trigger, { num_of_samples: 501 }, at('21:00')).reason).toBe('num_of_samples = 501: num_of_samples > 500 is true; time window 02:00-20:00 is closed');
  });
});
