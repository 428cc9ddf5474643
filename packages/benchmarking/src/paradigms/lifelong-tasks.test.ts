import { describe, expect, it } from 'vitest';
import { TaskDefinitionByOrigin } from '@sedna/lib/algorithms';
import type { CaseSpec } from '../cases/spec.js';
import type { LabelledSet } from './data.js';
import { accuracyRow, requireNoInferenceMode, roundTasks, testTaskIndexes } from './lifelong-tasks.js';

/** Samples whose paths name their origin folder, as the examples' images do. */
function set(paths: string[], labels: number[]): LabelledSet {
  return {
    x: { data: Float32Array.from({ length: paths.length * 2 }, (_, i) => i), shape: [paths.length, 2] },
    y: Int32Array.from(labels),
    origins: paths.map(() => ''),
    ids: paths,
    source: 'test',
  };
}

const definition = new TaskDefinitionByOrigin({ attribute: ['tops', 'bottoms', 'other'], markers: ['/tops/', '/bottoms/'] });
const definitionModule = { type: 'task_definition' as const, name: 'TaskDefinitionByOrigin', url: undefined, hyperparameters: {} };

describe('lifelong learning tasks and matrix rows', () => {
  it('gives a task per origin in the definition order, the test samples of each, and per-task accuracies', () => {
    const train = set(['/d/bottoms/1.pgm', '/d/tops/2.pgm', '/d/bags/3.pgm', '/d/tops/4.pgm'], [1, 0, 8, 2]);
    const lines: string[] = [];
    const { tasks } = roundTasks(train, { definition, definitionModule }, (l) => void lines.push(l));
    expect(tasks.map((t) => [t.entry, t.samples.size])).toEqual([['tops', 2], ['bottoms', 1], ['other', 1]]);
    expect(lines).toEqual(['3 tasks: tops (2 samples), bottoms (1 samples), other (1 samples)']);

    const test = set(['/t/tops/a.pgm', '/t/bags/b.pgm', '/t/tops/c.pgm', '/t/bottoms/d.pgm'], [0, 8, 2, 1]);
    const indexes = testTaskIndexes(definition, test, tasks);
    expect(indexes).toEqual([[0, 2], [3], [1]]);
    expect(accuracyRow(test, indexes, [0, 8, 6, 3])).toEqual([0.5, 0, 1]);
  });

  it('refuses a train set of one task and the modes other than no-inference', () => {
    const train = set(['/d/tops/1.pgm', '/d/tops/2.pgm'], [0, 2]);
    expect(() => roundTasks(train, { definition, definitionModule }, () => undefined)).toThrow('task_definition "TaskDefinitionByOrigin" found 1 task(s) in the train set; lifelong learning needs at least two');
    const spec = { testenv: { modelEval: { metric: { mode: 'hard-example-mining' } } } } as unknown as CaseSpec;
    expect(() => requireNoInferenceMode(spec)).toThrow('lifelong learning\'s hard-example-mining mode is not implemented by this runner (no-inference is)');
  });
});
