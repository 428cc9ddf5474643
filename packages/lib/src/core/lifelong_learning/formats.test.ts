import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SampleSet } from '../../algorithms/lifelong/sample-set.js';
import { buildTaskProfile, decodeTaskProfile, encodeTaskProfile, profileScore } from '../../algorithms/lifelong/task-profile.js';
import { encodePgm } from '../../datasources/image-files.js';
import { loadCsvSamples } from './csv-samples.js';
import { computeMetric, deployRule, metricSettings, satisfies } from './evaluation-metrics.js';
import { KB_INDEX_FORMAT, newCreateTime, parseKbIndex, withDeployStatus } from './kb-index.js';
import { decodeSampleSet, encodeSampleSet } from './sample-files.js';

const set = new SampleSet({
  dataType: 'train',
  features: { data: Float32Array.from([0.5, -1.25, 3, 4, 1e-3, 7]), shape: [3, 2] },
  labels: Int32Array.from([2, 0, 9]),
  attributes: [{ site: 'a' }, { site: 'b' }, { site: 'a, "quoted"' }],
  ids: ['x/1.pgm', 'x/2.pgm', 'x/3.pgm'],
});

describe('sample and profile files', () => {
  it('round-trip a sample set exactly', () => {
    const back = decodeSampleSet(encodeSampleSet(set), 'mem');
    expect(Array.from(back.features.data)).toEqual(Array.from(set.features.data));
    expect(back.features.shape).toEqual([3, 2]);
    expect(Array.from(back.labels ?? [])).toEqual([2, 0, 9]);
    expect(back.attributes).toEqual(set.attributes);
    expect(back.ids).toEqual(set.ids);
    const unlabelled = decodeSampleSet(encodeSampleSet(new SampleSet({ dataType: 'test', features: set.features })), 'mem');
    expect(unlabelled.labels).toBeUndefined();
  });

  it('name the file and the field of a corrupt sample file', () => {
    expect(() => decodeSampleSet('{"format": "sedna-samples/v1"', 'kb/x.samples.json')).toThrow(/kb\/x.samples.json is not a sample file: invalid JSON/);
    const json = JSON.parse(encodeSampleSet(set));
    expect(() => decodeSampleSet(JSON.stringify({ ...json, features: 'AAAAAA==' }), 'f')).toThrow(/f: features: expected 6 values, found 1/);
    expect(() => decodeSampleSet(JSON.stringify({ ...json, features: 'AAAA' }), 'f')).toThrow(/f: features: 3 bytes is not a whole number of float32 values/);
    expect(() => decodeSampleSet(JSON.stringify({ ...json, data_type: 'other' }), 'f')).toThrow(/data_type must be one of/);
    expect(() => decodeSampleSet(JSON.stringify({ ...json, format: 'pickle' }), 'f')).toThrow(/not a sample file/);
  });

  it('round-trip a task profile with the same scores', () => {
    const profile = buildTaskProfile(set, { clusters: 1 });
    const back = decodeTaskProfile(encodeTaskProfile(profile), 'p');
    expect(back.calibration).toEqual(profile.calibration);
    expect(profileScore(back, set.features.data, 1)).toBeCloseTo(profileScore(profile, set.features.data, 1), 6);
    expect(() => decodeTaskProfile('{"format": "x"}', 'p.json')).toThrow(/p.json: not a task profile/);
  });
});

describe('the knowledge base index', () => {
  const index = {
    format: KB_INDEX_FORMAT,
    create_time: '100.000',
    seen_task: {
      extractor: { kind: 'attribute', attributes: ['site'] },
      task_groups: [
        { entry: 'a', tasks: [{ entry: 'a', meta_attr: { site: 'a' }, samples: { data_type: 'train', data_url: 'u', sample_num: 3 } }], relations: [], model: { url: 'm' }, deploy: true },
      ],
    },
  };

  it('accepts a minimal index and fills the defaults', () => {
    const parsed = parseKbIndex(JSON.stringify(index), 'i');
    expect(parsed.unseen_task).toEqual({ extractor: null, task_groups: [] });
    expect(parsed.statistics).toEqual({ labeled_unseen_samples: 0, unseen_samples: 0 });
    expect(parsed.seen_task.task_groups[0]?.model).toMatchObject({ url: 'm', format: 'json', metrics: {}, transfer_from: null });
  });

  it('names the field that is wrong', () => {
    const broken = (patch: (i: any) => void): string => {
      const copy = JSON.parse(JSON.stringify(index));
      patch(copy);
      return JSON.stringify(copy);
    };
    expect(() => parseKbIndex(broken((i) => (i.create_time = 'soon')), 'idx')).toThrow('idx: create_time must be a number of seconds as text');
    expect(() => parseKbIndex(broken((i) => (i.seen_task.task_groups[0].tasks[0].samples.sample_num = -1)), 'idx')).toThrow('idx: seen_task.task_groups[0].tasks[0].samples.sample_num must be a non-negative integer');
    expect(() => parseKbIndex(broken((i) => (i.seen_task.extractor = { kind: 'svc' })), 'idx')).toThrow(/seen_task.extractor.kind/);
    expect(() => parseKbIndex(broken((i) => i.seen_task.task_groups.push(i.seen_task.task_groups[0])), 'idx')).toThrow(/"a" is used by two groups/);
    expect(() => parseKbIndex(broken((i) => (i.seen_task.task_groups[0].relations = [{ task: 'a', transfer_ratio: 2 }])), 'idx')).toThrow(/transfer_ratio must be a number in \[0, 1\]/);
  });

  it('deploy status changes the named groups and the version', () => {
    const parsed = parseKbIndex(JSON.stringify(index), 'i');
    const withdrawn = withDeployStatus(parsed, ['a'], false);
    expect(withdrawn.seen_task.task_groups[0]?.deploy).toBe(false);
    expect(Number(withdrawn.create_time)).toBeGreaterThan(100);
    expect(Number(newCreateTime('99999999999'))).toBeGreaterThan(99999999999);
  });
});

describe('evaluation metrics and the deploy rule', () => {
  it('computes micro, macro and weighted averages as scikit-learn does', () => {
    const truth = [0, 0, 1, 1, 2];
    const predicted = [0, 1, 1, 1, 0];
    expect(computeMetric('accuracy_score', truth, predicted)).toBeCloseTo(0.6);
    expect(computeMetric('precision_score', truth, predicted, 'micro')).toBeCloseTo(0.6);
    // per class precision: 0 -> 1/2, 1 -> 2/3, 2 -> 0 (no predictions)
    expect(computeMetric('precision_score', truth, predicted, 'macro')).toBeCloseTo((0.5 + 2 / 3 + 0) / 3);
    expect(computeMetric('recall_score', truth, predicted, 'weighted')).toBeCloseTo((2 * 0.5 + 2 * 1 + 1 * 0) / 5);
    expect(computeMetric('f1_score', truth, predicted, 'macro')).toBeCloseTo((0.5 + 0.8 + 0) / 3);
  });

  it('reads the original eval worker parameters, the Python dict text included', () => {
    expect(metricSettings('precision_score', "{'average': 'micro'}")).toEqual({ names: ['precision_score'], average: 'micro' });
    expect(metricSettings(undefined, undefined)).toEqual({ names: ['accuracy_score'], average: 'micro' });
    expect(() => metricSettings('log_loss', undefined)).toThrow(/unknown metric "log_loss"/);
    expect(() => metricSettings(undefined, "{'average': 'samples'}")).toThrow(/average must be/);
  });

  it('keeps the models the rule accepts; an unknown operator is an error', () => {
    expect(satisfies(deployRule('>', '0.5'), 0.6)).toBe(true);
    expect(satisfies(deployRule(undefined, undefined), 0.05)).toBe(false);
    expect(satisfies(deployRule('<=', 0.2), 0.2)).toBe(true);
    expect(() => deployRule('>>', '0.5')).toThrow(/parameter operator/);
    expect(() => deployRule('>', 'high')).toThrow(/model_threshold/);
  });
});

describe('CSV sample indexes', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'sedna-ll-csv-'));
    await writeFile(path.join(dir, 'a.pgm'), encodePgm({ width: 2, height: 2, pixels: Uint8Array.from([0, 255, 51, 102]) }));
    await writeFile(path.join(dir, 'b.pgm'), encodePgm({ width: 2, height: 2, pixels: Uint8Array.from([255, 0, 0, 0]) }));
    await writeFile(path.join(dir, 'c.pgm'), encodePgm({ width: 3, height: 1, pixels: Uint8Array.from([1, 2, 3]) }));
    await writeFile(path.join(dir, 'images.csv'), 'image,site,label\na.pgm,north,3\nb.pgm,"south, east",7\n');
    await writeFile(path.join(dir, 'numbers.csv'), 'temp,humidity,season,city,label\n21.5,40,summer,paris,1\n18,55,winter,oslo,0\n');
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads images (pixels / 255) with the other columns as attributes', async () => {
    const samples = await loadCsvSamples(path.join(dir, 'images.csv'), { dataType: 'train', imageColumn: 'image' });
    expect(samples.features.shape).toEqual([2, 4]);
    expect(Array.from(samples.row(0))).toEqual(Array.from(Float32Array.from([0, 1, 0.2, 0.4])));
    expect(Array.from(samples.labels ?? [])).toEqual([3, 7]);
    expect(samples.attributes).toEqual([{ site: 'north' }, { site: 'south, east' }]);
    expect(samples.ids).toEqual([path.join(dir, 'a.pgm'), path.join(dir, 'b.pgm')]);
  });

  it('reads numeric feature columns (structured data)', async () => {
    const samples = await loadCsvSamples(path.join(dir, 'numbers.csv'), { dataType: 'train', featureColumns: ['temp', 'humidity'], attributeColumns: ['season', 'city'] });
    expect(Array.from(samples.features.data)).toEqual([21.5, 40, 18, 55]);
    expect(samples.attributes[1]).toEqual({ season: 'winter', city: 'oslo' });
  });

  it('test data may have no label column; train data may not', async () => {
    await writeFile(path.join(dir, 'nolabel.csv'), 'image,site\na.pgm,north\n');
    expect((await loadCsvSamples(path.join(dir, 'nolabel.csv'), { dataType: 'test', imageColumn: 'image' })).labels).toBeUndefined();
    await expect(loadCsvSamples(path.join(dir, 'nolabel.csv'), { dataType: 'train', imageColumn: 'image' })).rejects.toThrow(/label column "label" is not in the header/);
  });

  it('names the file and line of bad rows', async () => {
    await writeFile(path.join(dir, 'mixed.csv'), 'image,site,label\na.pgm,north,1\nc.pgm,north,2\n');
    await expect(loadCsvSamples(path.join(dir, 'mixed.csv'), { dataType: 'train', imageColumn: 'image' })).rejects.toThrow(/mixed.csv:3: .*c.pgm is 3×1, the first image is 2×2/);
    await writeFile(path.join(dir, 'missing.csv'), 'image,site,label\nnone.pgm,north,1\n');
    await expect(loadCsvSamples(path.join(dir, 'missing.csv'), { dataType: 'train', imageColumn: 'image' })).rejects.toThrow(/missing.csv:2: cannot read image/);
    await writeFile(path.join(dir, 'text.csv'), 'temp,label\nwarm,1\n');
    await expect(loadCsvSamples(path.join(dir, 'text.csv'), { dataType: 'train', featureColumns: ['temp'] })).rejects.toThrow(/text.csv:2: column "temp": "warm" is not a number/);
    await expect(loadCsvSamples(path.join(dir, 'images.csv'), { dataType: 'train' })).rejects.toThrow(/exactly one of imageColumn/);
  });
});
