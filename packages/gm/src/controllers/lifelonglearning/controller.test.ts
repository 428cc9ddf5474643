import { describe, expect, it } from 'vitest';
import { knowledgeBaseFromReport } from './controller.js';

describe('lifelong learning knowledge base status', () => {
  it('is built from the reported models, classes and unseen sample counts', () => {
    const kb = knowledgeBaseFromReport({
      phase: 'eval',
      status: 'completed',
      output: {
        models: [
          { format: 'json', url: '/out/deploy/index.json', current_metric: { 'site-a': { precision: 0.91, samples: 600 }, 'site-b': { accuracy: 0.84 } }, classes: ['shirt', 'bag', 'shirt'], number_of_labeled_unseen_sample: 40, number_of_unseen_sample: 55 },
        ],
      },
    });
    expect(kb).toEqual({
      AIModels: { numberOfAIModels: 2, listOfAIModels: [{ modelID: 'site-a', averagePrecision: 0.91, numberOfTrainSamples: 600 }, { modelID: 'site-b', averagePrecision: 0.84, numberOfTrainSamples: 0 }] },
      AIClasses: { numberOfAIClasses: 2, listOfAIClasses: ['bag', 'shirt'] },
      samples: { numberOfLabeledUnseenSample: 40, numberOfUnseenSample: 55 },
    });
    expect(knowledgeBaseFromReport({ phase: 'train', status: 'ready' })).toBeUndefined();
  });
});
