import { describe, expect, it } from 'vitest';
import { stageJobFigures } from './stagejobs.js';

const c = (stage: string, type: string, data?: object) => ({ stage, type, ...(data ? { data: JSON.stringify(data) } : {}) });

describe('stageJobFigures', () => {
  it('reads the round, sample counts, eval metrics, deploy status and model URLs from the conditions', () => {
    const f = stageJobFigures([
      c('Train', 'Waiting'),
      c('Train', 'Ready', { input: { numberOfSamples: 300, round: 1, outputDir: '/o/1' } }),
      c('Train', 'Completed', { input: {}, output: { models: [{ url: '/o/1/model', format: 'tfjs' }] } }),
      c('Eval', 'Ready', { input: { numberOfSamples: 40, round: 1, models: [{ url: '/o/1/model' }, { url: '/base' }] } }),
      c('Eval', 'Completed', { input: {}, output: { models: [{ url: '/o/1/model', metrics: { precision: 0.8, recall: [0.7] } }, { url: '/base', metrics: { precision: '0.5' } }] } }),
      c('Deploy', 'Ready', { input: { models: [{ url: '/o/1/model' }, { url: '/deploy' }] } }),
      c('Deploy', 'Completed'),
      c('Train', 'Waiting'),
    ]);
    expect(f).toMatchObject({ iteration: 1, trainSamples: 300, evalSamples: 40, deployStatus: 'OK' });
    expect(f.evalMetrics).toEqual([
      { model: 'new', metric: 'precision', value: 0.8 },
      { model: 'new', metric: 'recall', value: 0.7 },
      { model: 'old', metric: 'precision', value: 0.5 },
    ]);
    expect(f.modelUrls).toEqual([
      { role: 'eval_new', url: '/o/1/model' },
      { role: 'train_output', url: '/o/1/model' },
      { role: 'deploy', url: '/o/1/model' },
    ]);
  });

  it('has nothing to say about a job that has not started, and survives data that is not JSON', () => {
    expect(stageJobFigures(undefined)).toEqual({ evalMetrics: [], modelUrls: [] });
    expect(stageJobFigures([{ stage: 'Train', type: 'Ready', data: '{oops' }])).toEqual({ evalMetrics: [], modelUrls: [] });
    expect(stageJobFigures([c('Deploy', 'Failed')]).deployStatus).toBe('NotOK');
  });
});
