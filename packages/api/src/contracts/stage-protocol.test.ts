import { describe, expect, it } from 'vitest';
import type { JobStage, JobStageConditionType, StageCondition } from '../sedna/common.js';
import { appendStageCondition, boundStageConditions, MAX_RECENT_STAGE_CONDITIONS, parseStageData, stageMark, stageRound, type StageJobStatus } from './stage-protocol.js';
import { automaticTransition, reportedCondition, stageCondition, workerTransition } from './stage-machine.js';

const at = (stage: JobStage, type: JobStageConditionType, data?: unknown) => stageCondition(stage, type, 'r', 'm', data === undefined ? undefined : JSON.stringify(data));
const show = (c: StageCondition) => `${c.stage}/${c.type}`;

/** Plays `rounds` full rounds through the stage machine, as the GM does, from `status`. */
function play(status: StageJobStatus, rounds: number, trainFails = false): StageJobStatus {
  const step = (next: StageCondition | string | undefined) => {
    if (typeof next !== 'object') throw new Error(`no transition: ${String(next)}`);
    status = { ...status, ...appendStageCondition(status, next) };
  };
  const last = () => status.conditions!.at(-1)!;
  for (let r = 0; r < rounds; r++) {
    if (!status.conditions?.length) step(automaticTransition(undefined));
    step(reportedCondition(last(), 'train', 'ready', JSON.stringify({ input: { outputDir: `/out/train/${r + 1}` } })));
    step(stageCondition('Train', 'Starting', 'WorkerCreated', '', last().data));
    step(workerTransition(last(), 'Running'));
    if (trainFails) {
      step(workerTransition(last(), 'Failed'));
      step(automaticTransition(last()));
      continue;
    }
    step(reportedCondition(last(), 'train', 'completed', JSON.stringify({ output: { models: [{ format: 'pb', url: `/out/train/${r + 1}/model.pb` }] } })));
    step(automaticTransition(last()));
    step(reportedCondition(last(), 'eval', 'ready', JSON.stringify({ input: { models: [{ format: 'pb', url: `/out/train/${r + 1}/model.pb` }] } })));
    step(stageCondition('Eval', 'Starting', 'WorkerCreated', '', last().data));
    step(workerTransition(last(), 'Running'));
    step(reportedCondition(last(), 'eval', 'completed', '{}'));
    step(automaticTransition(last()));
    step(reportedCondition(last(), 'deploy', 'ready', '{}'));
    step(stageCondition('Deploy', 'Completed', 'InferenceRestarted', '', last().data));
    step(automaticTransition(last()));
  }
  return status;
}

describe('stage job status', () => {
  it('keeps the round, the stage and the phase explicit', () => {
    const status = play({}, 3);
    expect([status.round, status.stage, status.phase]).toEqual([3, 'Train', 'Waiting']);
    expect(stageMark(status)).toBe('3:Train/Waiting');
  });

  it('bounds the history and keeps the latest of each stage and type, and the latest with models', () => {
    let status = play({}, 20);
    status = play(status, 10, true); // ten failed trainings after the last trained model
    expect(status.round).toBe(30);
    expect(status.conditions!.length).toBeLessThanOrEqual(MAX_RECENT_STAGE_CONDITIONS + 2 * 18);
    const trained = status.conditions!.filter((c) => c.stage === 'Train' && c.type === 'Completed');
    expect(trained).toHaveLength(1);
    expect(parseStageData(trained[0]).output?.models?.[0]?.url).toBe('/out/train/20/model.pb');
    expect(status.conditions!.some((c) => show(c) === 'Deploy/Completed')).toBe(true);
    // The order is kept: the latest is the state.
    expect(show(status.conditions!.at(-1)!)).toBe('Train/Waiting');
    const times = status.conditions!.map((c) => c.lastTransitionTime ?? '');
    expect([...times].sort()).toEqual(times);
  });

  it('loads an old job with a long history and no round: the round is its count of Train/Ready', () => {
    const old = play({}, 40).conditions!;
    const full: StageCondition[] = [];
    // an old GM appended forever: rebuild a long history without bounds
    for (let r = 0; r < 40; r++) full.push(at('Train', 'Waiting'), at('Train', 'Ready'), at('Train', 'Completed', { output: { models: [{ url: `/m/${r}`, format: 'pb' }] } }));
    expect(stageRound({ conditions: full })).toBe(40);
    const next = appendStageCondition({ conditions: full }, at('Eval', 'Waiting'));
    expect(next.round).toBe(40);
    expect(next.conditions.length).toBeLessThan(full.length);
    expect(parseStageData(next.conditions.filter((c) => c.stage === 'Train' && c.type === 'Completed').at(-1)).output?.models?.[0]?.url).toBe('/m/39');
    expect(old.length).toBeLessThan(80);
  });

  it('leaves a short history whole', () => {
    const list = [at('Train', 'Waiting'), at('Train', 'Ready')];
    expect(boundStageConditions(list)).toEqual(list);
  });

  it('parses condition data, dropping models without a url', () => {
    expect(parseStageData(at('Train', 'Ready', { input: { models: [{ url: '' }, { url: '/a' }], outputDir: '/o' } }))).toEqual({ input: { models: [{ url: '/a', format: '' }], outputDir: '/o' } });
    expect(parseStageData(stageCondition('Train', 'Ready', 'r', 'm', 'not json'))).toEqual({});
  });
});
