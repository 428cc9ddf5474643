import { describe, expect, it } from 'vitest';
import type { StageCondition } from '../sedna/common.js';
import { automaticTransition, reportedCondition, stageCondition, workerTransition } from './stage-machine.js';

const at = (stage: StageCondition['stage'], type: StageCondition['type']) => stageCondition(stage, type, 'r', 'm');
const show = (c: StageCondition | string | undefined) => (typeof c === 'object' ? `${c.stage}/${c.type}` : c);

describe('incremental learning stage machine', () => {
  it('starts in Train/Waiting and moves on after Completed and Failed', () => {
    expect(show(automaticTransition(undefined))).toBe('Train/Waiting');
    expect(show(automaticTransition(at('Train', 'Completed')))).toBe('Eval/Waiting');
    expect(show(automaticTransition(at('Eval', 'Completed')))).toBe('Deploy/Waiting');
    expect(show(automaticTransition(at('Deploy', 'Completed')))).toBe('Train/Waiting');
    expect(show(automaticTransition(at('Eval', 'Failed')))).toBe('Train/Waiting');
    expect(automaticTransition(at('Train', 'Waiting'))).toBeUndefined();
    expect(automaticTransition(at('Train', 'Running'))).toBeUndefined();
  });

  it('follows the stage worker', () => {
    expect(show(workerTransition(at('Train', 'Starting'), 'Running'))).toBe('Train/Running');
    expect(show(workerTransition(at('Eval', 'Running'), 'Failed'))).toBe('Eval/Failed');
    expect(workerTransition(at('Train', 'Running'), 'Running')).toBeUndefined();
    expect(workerTransition(at('Train', 'Waiting'), 'Failed')).toBeUndefined();
  });

  it('takes the reports that fit the current state and says why it ignores the others', () => {
    expect(show(reportedCondition(at('Train', 'Waiting'), 'train', 'ready', '{}'))).toBe('Train/Ready');
    expect(show(reportedCondition(at('Train', 'Running'), 'train', 'completed', '{}'))).toBe('Train/Completed');
    expect(show(reportedCondition(at('Deploy', 'Waiting'), 'deploy', 'completed', '{}'))).toBe('Deploy/Completed');
    expect(reportedCondition(at('Eval', 'Waiting'), 'train', 'completed', '{}')).toBe('the job is in stage Eval, not Train');
    expect(reportedCondition(at('Train', 'Running'), 'train', 'ready', '{}')).toBe('Train is Running, not Waiting');
    expect(reportedCondition(at('Train', 'Completed'), 'train', 'completed', '{}')).toBe('Train is Completed; nothing to end');
    expect(show(reportedCondition(at('Eval', 'Waiting'), 'eval', 'failed', '{}'))).toBe('Eval/Failed');
    expect(reportedCondition(at('Eval', 'Failed'), 'eval', 'failed', '{}')).toBe('Eval is Failed; nothing to end');
    expect(reportedCondition(at('Train', 'Waiting'), 'inference', 'ready', '{}')).toMatch(/unknown phase/);
    expect(reportedCondition(at('Train', 'Waiting'), 'train', 'done', '{}')).toMatch(/unknown status/);
  });
});
