import { describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { parseExposition } from '../scrape/exposition.js';
import { lifelongTaskFigures, lifelongTaskMetrics, stageJobFigures } from './stagejobs.js';

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

  it('reads the per-task metrics of a lifelong learning job from its latest train or eval report', () => {
    const trained = { output: { models: [{ url: '/kb/index.json', current_metric: { 'site-a': { samples: 300 }, 'site-b': { samples: 280, precision: 0.9 } } }] } };
    const evaluated = { output: { models: [{ url: '/kb/index.json', current_metric: { 'site-a': { accuracy: 0.91, precision: 0.91, samples: 300, test_samples: 200 }, 'site-b': { accuracy: 'n/a', samples: 280 } } }] } };
    expect(lifelongTaskFigures([c('Train', 'Completed', trained)])).toEqual([
      { task: 'site-a', metric: 'samples', value: 300 },
      { task: 'site-b', metric: 'samples', value: 280 },
      { task: 'site-b', metric: 'precision', value: 0.9 },
    ]);
    // The evaluation after it rescored the tasks; a later stage without tasks (deploy) leaves them as they are.
    const figures = lifelongTaskFigures([c('Train', 'Completed', trained), c('Eval', 'Completed', evaluated), c('Deploy', 'Completed', { output: {} })]);
    expect(figures).toEqual([
      { task: 'site-a', metric: 'accuracy', value: 0.91 },
      { task: 'site-a', metric: 'precision', value: 0.91 },
      { task: 'site-a', metric: 'samples', value: 300 },
      { task: 'site-a', metric: 'test_samples', value: 200 },
      { task: 'site-b', metric: 'samples', value: 280 },
    ]);
    expect(lifelongTaskFigures([c('Train', 'Failed', trained)])).toEqual([]);
    expect(lifelongTaskFigures(undefined)).toEqual([]);
  });

  it('serves them as sedna_lifelong_learning_task_metric per job, task and metric', async () => {
    const registry = new Registry();
    const job = { metadata: { namespace: 'default', name: 'll' }, status: { conditions: [c('Train', 'Completed', { output: { models: [{ current_metric: { 'site-a': { samples: 300 } } }] } })] } };
    lifelongTaskMetrics(registry, () => [job]);
    const samples = parseExposition(await registry.metrics()).samples;
    expect(samples).toEqual([{ name: 'sedna_lifelong_learning_task_metric', labels: { namespace: 'default', name: 'll', task: 'site-a', metric: 'samples' }, value: 300 }]);
  });
});
