import { describe, expect, it } from 'vitest';
import { adaptOriginalLibMessage } from './worker-report-original.js';
import { parseWorkerMessage } from './worker-report.js';

/** Each body below is what the original Python lib's code builds (lib/sedna/core/*, lib/sedna/service/client.py). */
const ownerOf = (name: string, namespace: string) => (name === 'trainworker-abcde' && namespace === 'default' ? { kind: 'federatedlearningjob', name: 'fl-job' } : undefined);
const parse = (body: unknown, pathName: string) => {
  const adapted = adaptOriginalLibMessage(body, ownerOf);
  return adapted.ok ? parseWorkerMessage(adapted.body, pathName) : adapted;
};

describe('the original lib\'s report shapes', () => {
  it('JointInference LCReporter: no status, empty results: a running inference report', () => {
    const body = {
      name: 'edgeworker-x1',
      namespace: 'default',
      ownerName: 'ji',
      ownerKind: 'jointinferenceservice',
      kind: 'inference',
      results: [],
      ownerInfo: { startTime: '2026-01-01 10:00:00', updateTime: '2026-01-01 10:00:30', inferenceNumber: 10, hardExampleNumber: 3, uploadCloudRatio: 0.3 },
    };
    expect(parse(body, 'edgeworker-x1')).toEqual({ ok: true, message: { ...body, status: 'running' } });
  });

  it('FederatedLearning: ownerKind "default" takes the kind of the worker\'s pod owner', () => {
    const body = {
      name: 'trainworker-abcde',
      namespace: 'default',
      ownerName: 'fl-job',
      ownerKind: 'default',
      kind: 'train',
      status: 'running',
      results: [{ format: 'pb', url: '/model/fl-model', metrics: null }],
      ownerInfo: { currentRound: 1, sampleCount: 200, startTime: 'a', updateTime: 'b' },
    };
    expect(parse(body, 'trainworker-abcde')).toEqual({ ok: true, message: { ...body, ownerKind: 'federatedlearningjob' } });
  });

  it('ownerKind "default" of a train worker whose pod this LC does not run: the federated learning jobs (the only such class)', () => {
    const body = { name: 'stranger', namespace: 'default', ownerName: 'fl-job', ownerKind: 'default', kind: 'train', status: 'running' };
    expect(parse(body, 'stranger')).toEqual({ ok: true, message: { ...body, ownerKind: 'federatedlearningjob' } });
  });

  it('ownerKind "default" of another phase with no owner here (BigModelService\'s hot-update deploy): a 400 naming the field', () => {
    const result = parse({ name: 'stranger', namespace: 'default', ownerName: 'sedna', ownerKind: 'default', kind: 'deploy', status: 'completed' }, 'stranger');
    expect(result).toMatchObject({ ok: false, reason: expect.stringContaining('field "ownerKind" is "default"') });
  });

  it('IncrementalLearning train, eval and the hot-update deploy report pass unchanged', () => {
    const base = { name: 'w', namespace: 'ns', ownerName: 'il', ownerKind: 'incrementallearningjob' };
    const train = { ...base, kind: 'train', status: 'completed', results: [{ format: 'pb', url: '/output/train/1/model.pb', metrics: null }] };
    const evaluate = { ...base, kind: 'eval', status: 'completed', results: [{ format: 'pb', url: '/output/train/1/model.pb', metrics: { recall: 0.9 } }] };
    const deploy = { ...base, kind: 'deploy', status: 'completed' };
    for (const body of [train, evaluate, deploy]) expect(parse(body, 'w')).toEqual({ ok: true, message: body });
  });

  it('LifelongLearning reports with null results and ownerInfo parse as absent fields', () => {
    const body = { name: 'w', namespace: 'ns', ownerName: 'll', ownerKind: 'lifelonglearningjob', kind: 'train', status: 'completed', results: null, ownerInfo: null };
    expect(parse(body, 'w')).toEqual({ ok: true, message: { name: 'w', namespace: 'ns', ownerName: 'll', ownerKind: 'lifelonglearningjob', kind: 'train', status: 'completed' } });
  });

  it('a train report without status is still refused, naming the field', () => {
    expect(parse({ name: 'w', namespace: 'ns', ownerName: 'il', ownerKind: 'incrementallearningjob', kind: 'train' }, 'w')).toEqual({
      ok: false,
      reason: 'field "status" is required and must be a non-empty string',
    });
  });
});
