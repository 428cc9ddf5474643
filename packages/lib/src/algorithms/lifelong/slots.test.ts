import { describe, expect, it } from 'vitest';
import { ClassFactory, ClassType } from '../../common/class-factory.js';
import type { KnownTask, TaskCatalog } from './artifacts.js';
import { entryFromValues, parseTaskExtractor } from './artifacts.js';
import {
  createLifelongAlgorithm,
  DefaultInferenceIntegrate,
  DefaultTaskRelationDiscover,
  DefaultTaskRemodeling,
  knownAlgorithms,
  SampleRecognitionByConfidence,
  SampleRecognitionByDistance,
  SampleRecognitionByTaskAttr,
  SampleReRecognitionByAllocation,
  SampleReRecognitionByDistance,
  SampleSet,
  TaskAllocationByCluster,
  TaskAllocationByDataAttr,
  TaskAllocationByOrigin,
  TaskAllocationDefault,
  TaskDefinitionByCluster,
  TaskDefinitionByDataAttr,
  TaskDefinitionByOrigin,
  TaskRelationDiscoverBySimilarity,
  UnseenTaskAllocationByConfidence,
  UnseenTaskAllocationByNearestTask,
  UpdateStrategyByFinetune,
  UpdateStrategyDefault,
  buildTaskProfile,
  type Task,
  type TaskUpdateContext,
} from './index.js';

/** Samples from rows of numbers, with optional labels, attributes and ids. */
function samples(rows: number[][], extra: { labels?: number[]; attributes?: Record<string, string>[]; ids?: string[] } = {}): SampleSet {
  const d = rows[0]?.length ?? 1;
  return new SampleSet({
    dataType: extra.labels ? 'train' : 'test',
    features: { data: Float32Array.from(rows.flat()), shape: [rows.length, d] },
    ...(extra.labels ? { labels: Int32Array.from(extra.labels) } : {}),
    ...(extra.attributes ? { attributes: extra.attributes } : {}),
    ...(extra.ids ? { ids: extra.ids } : {}),
  });
}

/** A blob of n 2-D points around (cx, cy), deterministic. */
function blob(cx: number, cy: number, n: number, spread = 0.3): number[][] {
  return Array.from({ length: n }, (_, i) => [cx + spread * Math.sin(i * 1.7), cy + spread * Math.cos(i * 2.3)]);
}

function known(entry: string, metaAttr: Record<string, string>, extra: Partial<KnownTask> = {}): KnownTask {
  return { entry, group: entry, metaAttr, deployed: true, ...extra };
}

describe('task definition', () => {
  it('by data attribute: one task per value combination, sorted, with normalized entries', () => {
    const set = samples([[1], [2], [3], [4]], {
      attributes: [
        { season: 'summer', city: 'new york' },
        { season: 'winter', city: 'paris' },
        { season: 'summer', city: 'new york' },
        { season: 'winter', city: 'san_jose' },
      ],
    });
    const { tasks, extractor } = new TaskDefinitionByDataAttr({ attribute: ['season', 'city'] }).define(set);
    expect(tasks.map((t) => t.entry)).toEqual(['summer_newyork', 'winter_paris', 'winter_san-jose']);
    expect(tasks[0]?.samples.size).toBe(2);
    expect(tasks[0]?.metaAttr).toEqual({ season: 'summer', city: 'new york' });
    expect(extractor).toEqual({ kind: 'attribute', attributes: ['season', 'city'] });
    expect(entryFromValues(['a_b', 'c d'])).toBe('a-b_cd');
  });

  it('by data attribute: text and JSON lists as parameters; a missing attribute names the sample', () => {
    expect(new TaskDefinitionByDataAttr({ attribute: 'season, city' }).attributes).toEqual(['season', 'city']);
    expect(new TaskDefinitionByDataAttr({ attribute: '["site"]' }).attributes).toEqual(['site']);
    expect(() => new TaskDefinitionByDataAttr({})).toThrow(/attribute.*required/);
    const set = samples([[1]], { attributes: [{ other: 'x' }], ids: ['img-7.pgm'] });
    expect(() => new TaskDefinitionByDataAttr({ attribute: 'site' }).define(set)).toThrow(/img-7.pgm has no value for attribute "site"/);
  });

  it('by cluster: separated blobs become separate tasks with their centres', () => {
    const set = samples([...blob(0, 0, 20), ...blob(10, 10, 20)]);
    const { tasks, extractor } = new TaskDefinitionByCluster({ n_class: '2', seed: 1 }).define(set);
    expect(extractor).toEqual({ kind: 'cluster' });
    expect(tasks.map((t) => t.samples.size).sort()).toEqual([20, 20]);
    const centres = tasks.map((t) => Array.from(t.clusterCenter ?? [])).sort((a, b) => (a[0] ?? 0) - (b[0] ?? 0));
    expect(centres[0]?.[0]).toBeCloseTo(0, 0);
    expect(centres[1]?.[0]).toBeCloseTo(10, 0);
    expect(() => new TaskDefinitionByCluster({ n_class: 1 })).toThrow(/n_class/);
  });

  it('by origin: the marker in the id decides, the last origin takes the rest', () => {
    const set = samples([[1], [2], [3]], { ids: ['/data/berlin/a.png', '/data/sim/b.png', '/data/berlin/c.png'] });
    const { tasks, extractor } = new TaskDefinitionByOrigin({ attribute: 'real, sim', city: 'berlin' }).define(set);
    expect(tasks.map((t) => [t.entry, t.samples.ids])).toEqual([
      ['real', ['/data/berlin/a.png', '/data/berlin/c.png']],
      ['sim', ['/data/sim/b.png']],
    ]);
    expect(extractor).toEqual({ kind: 'origin', origins: ['real', 'sim'], markers: ['berlin'] });
    expect(() => new TaskDefinitionByOrigin({ attribute: 'a, b, c', city: 'x' })).toThrow(/one marker per origin/);
  });
});

describe('task relationship discovery', () => {
  const taskOf = (entry: string, rows: number[][]): Task => ({ entry, metaAttr: { site: entry }, samples: samples(rows) });

  it('default: each task alone', () => {
    const groups = new DefaultTaskRelationDiscover().discover([taskOf('a', [[0]]), taskOf('b', [[1]])]);
    expect(groups.map((g) => [g.entry, g.tasks.length, g.relations])).toEqual([
      ['a', 1, [{ task: 'a', transferRatio: 1 }]],
      ['b', 1, [{ task: 'b', transferRatio: 1 }]],
    ]);
    expect(() => new DefaultTaskRelationDiscover().discover([taskOf('a', [[0]]), taskOf('a', [[1]])])).toThrow(/unique/);
  });

  it('by similarity: overlapping tasks share a group, a distant one stays apart', () => {
    const tasks = [taskOf('a', blob(0, 0, 10)), taskOf('b', blob(0.1, 0, 10)), taskOf('c', blob(20, 20, 10))];
    const groups = new TaskRelationDiscoverBySimilarity({ threshold: 0.5 }).discover(tasks);
    expect(groups.map((g) => g.entry).sort()).toEqual(['a+b', 'c']);
    const ab = groups.find((g) => g.entry === 'a+b');
    expect(ab?.relations).toEqual([
      { task: 'a', transferRatio: 0.5 },
      { task: 'b', transferRatio: 0.5 },
    ]);
  });
});

describe('task allocation', () => {
  const catalog: TaskCatalog = {
    extractor: { kind: 'attribute', attributes: ['site'] },
    tasks: [known('north', { site: 'north' }), known('south', { site: 'south' })],
  };

  it('by data attribute: unknown values and missing attributes give null (unseen), not task 0', () => {
    const set = samples([[1], [2], [3], [4]], { attributes: [{ site: 'south' }, { site: 'east' }, {}, { site: 'north' }] });
    expect(new TaskAllocationByDataAttr().allocate(set, catalog)).toEqual(['south', null, null, 'north']);
    expect(new TaskAllocationDefault().allocate(set, catalog)).toEqual(['south', null, null, 'north']);
  });

  it('by cluster: the nearest centre', () => {
    const clusters: TaskCatalog = {
      extractor: { kind: 'cluster' },
      tasks: [known('c0', { cluster: '0' }, { clusterCenter: Float32Array.from([0, 0]) }), known('c1', { cluster: '1' }, { clusterCenter: Float32Array.from([5, 5]) })],
    };
    expect(new TaskAllocationByCluster().allocate(samples([[1, 1], [4, 6]]), clusters)).toEqual(['c0', 'c1']);
    expect(new TaskAllocationDefault().allocate(samples([[9, 9]]), clusters)).toEqual(['c1']);
    expect(() => new TaskAllocationByCluster().allocate(samples([[1, 1]]), catalog)).toThrow(/cluster centre/);
  });

  it('by origin: from the extractor, or the original default parameter', () => {
    const origins: TaskCatalog = { extractor: { kind: 'origin', origins: ['real', 'sim'], markers: ['berlin'] }, tasks: [known('real', { origin: 'real' }), known('sim', { origin: 'sim' })] };
    const set = samples([[1], [2]], { ids: ['x/berlin/1.png', 'x/other/2.png'] });
    expect(new TaskAllocationByOrigin().allocate(set, origins)).toEqual(['real', 'sim']);
    expect(new TaskAllocationByOrigin({ default: 'sim' }).allocate(set, origins)).toEqual(['sim', 'sim']);
  });

  it('default without an extractor: one task takes all; several is an error', () => {
    const one: TaskCatalog = { extractor: null, tasks: [known('only', {})] };
    expect(new TaskAllocationDefault().allocate(samples([[1], [2]]), one)).toEqual(['only', 'only']);
    expect(() => new TaskAllocationDefault().allocate(samples([[1]]), { extractor: null, tasks: catalog.tasks })).toThrow(/no task extractor/);
  });
});

describe('remodeling and integration', () => {
  it('splits by group, keeps positions, and puts predictions back in order', () => {
    const set = samples([[10], [11], [12], [13]]);
    const { parts, unassigned } = new DefaultTaskRemodeling().remodel(set, ['b', 'a', null, 'b']);
    expect(parts.map((p) => [p.group, p.indices, Array.from(p.samples.features.data)])).toEqual([
      ['a', [1], [11]],
      ['b', [0, 3], [10, 13]],
    ]);
    expect(unassigned).toEqual([2]);
    const merged = new DefaultInferenceIntegrate().integrate(
      [
        { indices: [1], predictions: { data: Float32Array.from([0.1, 0.9]), shape: [1, 2] } },
        { indices: [0, 3], predictions: { data: Float32Array.from([1, 0, 0.5, 0.5]), shape: [2, 2] } },
        { indices: [2], predictions: { data: Float32Array.from([0, 1]), shape: [1, 2] } },
      ],
      4,
    );
    expect(Array.from(merged.data)).toEqual(Array.from(Float32Array.from([1, 0, 0.1, 0.9, 0, 1, 0.5, 0.5])));
    expect(() => new DefaultInferenceIntegrate().integrate([{ indices: [0], predictions: { data: Float32Array.from([1]), shape: [1, 1] } }], 2)).toThrow(/1 of 2 samples have no prediction/);
  });
});

describe('unseen sample recognition', () => {
  const north = samples(blob(0, 0, 60, 0.5));
  const south = samples(blob(6, 0, 60, 0.5));
  const catalog: TaskCatalog = {
    extractor: { kind: 'attribute', attributes: ['site'] },
    tasks: [known('north', { site: 'north' }, { profile: buildTaskProfile(north, { clusters: 2 }) }), known('south', { site: 'south' }, { profile: buildTaskProfile(south, { clusters: 2 }) })],
  };

  it('by distance: samples inside a task profile are seen, far ones unseen, with the nearest task', async () => {
    const probe = samples([[0.1, 0.1], [6.1, -0.2], [30, 30], [3, 12]]);
    const verdicts = await new SampleRecognitionByDistance().recognize(probe, catalog);
    expect(verdicts.map((v) => v.seen)).toEqual([true, true, false, false]);
    expect(verdicts.map((v) => v.nearestTask).slice(0, 2)).toEqual(['north', 'south']);
    expect(verdicts[2]?.score).toBeGreaterThan(1);
    // The original's default name is the same algorithm.
    expect(createLifelongAlgorithm('unseen_sample_recognition', { method: 'SampleRegonitionDefault' })).toBeInstanceOf(SampleRecognitionByDistance);
  });

  it('by distance: undeployed tasks do not count; no profiles at all is an error', async () => {
    const onlyNorthDeployed: TaskCatalog = { ...catalog, tasks: catalog.tasks.map((t) => ({ ...t, deployed: t.entry === 'north' })) };
    const verdicts = await new SampleRecognitionByDistance().recognize(samples([[6, 0]]), onlyNorthDeployed);
    expect(verdicts[0]?.seen).toBe(false);
    await expect(new SampleRecognitionByDistance().recognize(samples([[0, 0]]), { extractor: null, tasks: [known('a', {})] })).rejects.toThrow(/no task profiles/);
  });

  it('by confidence: a confident model makes a sample seen (low confidence is unseen)', async () => {
    const withModels: TaskCatalog = {
      ...catalog,
      predict: async (group, set) => {
        const rows = Array.from({ length: set.size }, (_, i) => {
          const x = set.row(i)[0] as number;
          const confident = group === 'north' ? x < 3 : x >= 3 && x < 9;
          return confident ? [0.9, 0.1] : [0.5, 0.5];
        });
        return { data: Float32Array.from(rows.flat()), shape: [set.size, 2] };
      },
    };
    const verdicts = await new SampleRecognitionByConfidence({ threshold: 0.6 }).recognize(samples([[1, 0], [5, 0], [20, 0]]), withModels);
    expect(verdicts.map((v) => [v.seen, v.nearestTask])).toEqual([
      [true, 'north'],
      [true, 'south'],
      [false, 'north'],
    ]);
    await expect(new SampleRecognitionByConfidence().recognize(samples([[1, 0]]), catalog)).rejects.toThrow(/models loaded/);
  });

  it('by task attribute: seen when the attributes match a deployed task', async () => {
    const set = samples([[0, 0], [0, 0]], { attributes: [{ site: 'south' }, { site: 'west' }] });
    expect((await new SampleRecognitionByTaskAttr().recognize(set, catalog)).map((v) => v.seen)).toEqual([true, false]);
  });
});

describe('unseen sample re-recognition', () => {
  const north = samples(blob(0, 0, 60, 0.5));
  const catalog: TaskCatalog = {
    extractor: { kind: 'attribute', attributes: ['site'] },
    tasks: [known('north', { site: 'north' }, { profile: buildTaskProfile(north, { clusters: 2 }) })],
  };

  it('by allocation: known attributes inside the profile update the task; the rest are new', async () => {
    const set = samples([[0.2, 0.1], [40, 40], [0, 0.3]], { attributes: [{ site: 'north' }, { site: 'north' }, { site: 'east' }], labels: [1, 2, 3] });
    const result = await new SampleReRecognitionByAllocation().split(set, catalog);
    expect([...result.seen]).toEqual([['north', [0]]]);
    expect(result.unseen).toEqual([1, 2]);
    const noCheck = await new SampleReRecognitionByAllocation({ check_distance: false }).split(set, catalog);
    expect([...noCheck.seen]).toEqual([['north', [0, 1]]]);
  });

  it('by distance: the attributes do not matter', async () => {
    const set = samples([[0.2, 0.1], [40, 40]], { attributes: [{ site: 'east' }, { site: 'north' }], labels: [0, 1] });
    const result = await new SampleReRecognitionByDistance().split(set, catalog);
    expect([...result.seen]).toEqual([['north', [0]]]);
    expect(result.unseen).toEqual([1]);
  });
});

describe('unseen task allocation', () => {
  it('nearest task by profile; the first deployed task without profiles; null with nothing deployed', async () => {
    const catalog: TaskCatalog = {
      extractor: { kind: 'attribute', attributes: ['site'] },
      tasks: [known('north', { site: 'north' }, { profile: buildTaskProfile(samples(blob(0, 0, 40)), { clusters: 1 }) }), known('south', { site: 'south' }, { profile: buildTaskProfile(samples(blob(8, 0, 40)), { clusters: 1 }) })],
    };
    expect(await new UnseenTaskAllocationByNearestTask().allocate(samples([[1, 3], [7, 4]]), catalog)).toEqual(['north', 'south']);
    const bare: TaskCatalog = { extractor: null, tasks: [known('a', {}, { deployed: false }), known('b', {})] };
    expect(await new UnseenTaskAllocationByNearestTask().allocate(samples([[1]]), bare)).toEqual(['b']);
    expect(await new UnseenTaskAllocationByNearestTask().allocate(samples([[1]]), { extractor: null, tasks: [known('a', {}, { deployed: false })] })).toEqual([null]);
  });

  it('by confidence: the most confident deployed model', async () => {
    const catalog: TaskCatalog = {
      extractor: null,
      tasks: [known('a', {}), known('b', {})],
      predict: async (group, set) => ({ data: Float32Array.from(Array.from({ length: set.size }, () => (group === 'b' ? [0.8, 0.2] : [0.6, 0.4])).flat()), shape: [set.size, 2] }),
    };
    expect(await new UnseenTaskAllocationByConfidence().allocate(samples([[0], [1]]), catalog)).toEqual(['b', 'b']);
  });
});

describe('task update decision', () => {
  const northSamples = samples(blob(0, 0, 30), { labels: Array(30).fill(1), attributes: Array.from({ length: 30 }, () => ({ site: 'north' })) });
  const catalog: TaskCatalog = {
    extractor: { kind: 'attribute', attributes: ['site'] },
    tasks: [known('north', { site: 'north' }, { profile: buildTaskProfile(northSamples, { clusters: 2 }) }), known('south', { site: 'south' }, { profile: buildTaskProfile(samples(blob(9, 9, 30)), { clusters: 2 }) })],
  };
  const context = (pending: Task[] = []): TaskUpdateContext => ({
    catalog,
    defineTasks: (set) => new TaskDefinitionByDataAttr({ attribute: 'site' }).define(set),
    pending,
    minTrainSamples: 10,
  });
  const labelled = (rows: number[][], site: string) => samples(rows, { labels: rows.map(() => 0), attributes: rows.map(() => ({ site })), ids: rows.map((_, i) => `${site}-${i}`) });

  it('default: known tasks retrain; a big new task is learned from its nearest task; a small one waits', () => {
    const updates = new UpdateStrategyDefault().decide(
      { seen: new Map([['north', labelled(blob(0, 0, 3), 'north')]]), unseen: SampleSet.concat([labelled(blob(0.3, 0.2, 12), 'east'), labelled(blob(30, 30, 4), 'west')]) },
      context(),
    );
    expect(updates.map((u) => [u.kind, u.kind === 'retrain' ? u.task : u.task.entry, u.kind === 'new-task' ? u.transferFrom : u.kind === 'retrain' ? u.newSamples.size : u.task.samples.size])).toEqual([
      ['retrain', 'north', 3],
      ['new-task', 'east', 'north'],
      ['pending', 'west', 4],
    ]);
  });

  it('default: a new task far from every known task starts from fresh weights', () => {
    const updates = new UpdateStrategyDefault().decide({ seen: new Map(), unseen: labelled(blob(60, -60, 12), 'far') }, context());
    expect(updates).toMatchObject([{ kind: 'new-task', transferFrom: null }]);
    const close = new UpdateStrategyDefault({ transfer_max_score: 1000 }).decide({ seen: new Map(), unseen: labelled(blob(60, -60, 12), 'far') }, context());
    expect(close).toMatchObject([{ kind: 'new-task', transferFrom: 'north' }]);
  });

  it('default: pending samples from earlier updates count toward a new task; a known name retrains', () => {
    const pending: Task = { entry: 'west', metaAttr: { site: 'west' }, samples: labelled(blob(30, 30, 6), 'west') };
    const updates = new UpdateStrategyDefault({ transfer: false }).decide({ seen: new Map(), unseen: SampleSet.concat([labelled(blob(30, 30, 5), 'west'), labelled(blob(40, 40, 2), 'south')]) }, context([pending]));
    expect(updates.map((u) => [u.kind, u.kind === 'retrain' ? u.task : u.task.entry])).toEqual([
      ['retrain', 'south'],
      ['new-task', 'west'],
    ]);
    const west = updates[1];
    expect(west?.kind === 'new-task' && west.task.samples.size).toBe(11);
    expect(west?.kind === 'new-task' && west.transferFrom).toBe(null);
  });

  it('by finetune: no new tasks, unseen samples go to their nearest known task', () => {
    const updates = new UpdateStrategyByFinetune().decide({ seen: new Map(), unseen: SampleSet.concat([labelled(blob(1, 0, 4), 'east'), labelled(blob(9, 8, 3), 'west')]) }, context());
    expect(updates.map((u) => [u.kind, u.kind === 'retrain' && u.task, u.kind === 'retrain' && u.newSamples.size])).toEqual([
      ['retrain', 'north', 4],
      ['retrain', 'south', 3],
    ]);
  });
});

describe('slots and the registry', () => {
  it('registers under the original ClassType strings', () => {
    expect(ClassFactory.isRegistered(ClassType.STP, 'TaskDefinitionByDataAttr')).toBe(true);
    expect(ClassFactory.isRegistered(ClassType.UTD, 'SampleReRegonitionDefault')).toBe(true);
    expect(ClassFactory.isRegistered(ClassType.UTP, 'UnseenTaskAllocationDefault')).toBe(true);
    expect(ClassFactory.isRegistered(ClassType.KM, 'UpdateStrategyDefault')).toBe(true);
  });

  it('an unknown name lists the algorithms of that slot only', () => {
    expect(() => createLifelongAlgorithm('task_definition', { method: 'TaskDefinitionBySVC' })).toThrow(
      'task_definition: no task definition named "TaskDefinitionBySVC" (known: TaskDefinitionByCluster, TaskDefinitionByDataAttr, TaskDefinitionByOrigin)',
    );
    expect(() => createLifelongAlgorithm('task_definition', { method: 'TaskAllocationDefault' })).toThrow(/is not a task definition/);
    expect(knownAlgorithms('unseen_sample_recognition')).toEqual(['SampleRecognitionByConfidence', 'SampleRecognitionByDistance', 'SampleRecognitionByTaskAttr', 'SampleRegonitionDefault']);
  });

  it('defaults, JSON text parameters and instances', () => {
    expect(createLifelongAlgorithm('task_allocation', undefined)).toBeInstanceOf(TaskAllocationDefault);
    expect(createLifelongAlgorithm('task_update_decision', null)).toBeInstanceOf(UpdateStrategyDefault);
    const definition = createLifelongAlgorithm('task_definition', { method: 'TaskDefinitionByDataAttr', param: '{"attribute": ["site"]}' }) as TaskDefinitionByDataAttr;
    expect(definition.attributes).toEqual(['site']);
    const mine = new TaskAllocationByDataAttr({ attribute: 'x' });
    expect(createLifelongAlgorithm('task_allocation', mine)).toBe(mine);
    expect(() => createLifelongAlgorithm('task_definition', { method: 'TaskDefinitionByDataAttr', param: '{bad' })).toThrow(/not valid JSON/);
  });

  it('extractors read from JSON are checked', () => {
    expect(parseTaskExtractor({ kind: 'attribute', attributes: ['site'] }, 'x')).toEqual({ kind: 'attribute', attributes: ['site'] });
    expect(() => parseTaskExtractor({ kind: 'svc' }, 'index.extractor')).toThrow(/index.extractor.kind must be/);
    expect(() => parseTaskExtractor({ kind: 'origin', origins: ['a', 'b'], markers: [] }, 'x')).toThrow(/one marker per origin/);
  });
});
