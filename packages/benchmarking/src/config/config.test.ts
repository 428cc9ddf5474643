import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadAlgorithm } from './algorithm.js';
import { loadBenchmarkingJob } from './benchmarkingjob.js';
import { loadTestEnv } from './testenv.js';
import { expandGrid } from '../cases/grid.js';

const dir = mkdtempSync(join(tmpdir(), 'bench-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

describe('benchmarkingjob.yaml', () => {
  it("takes Ianvs's fields and defaults", () => {
    file('testenv.yaml', 'testenv: {}\n');
    file('algo.yaml', 'algorithm: {}\n');
    const job = loadBenchmarkingJob(
      file('job.yaml', `benchmarkingjob:\n  name: "job1"\n  testenv: "./testenv.yaml"\n  test_object:\n    type: "algorithms"\n    algorithms:\n      - name: "a"\n        url: "./algo.yaml"\n  rank:\n    sort_by: [ { "f1_score": "descend" }, { "samples_transfer_ratio": "ascend" } ]\n`),
    );
    expect(job.outputDir).toMatch(/workspace\/job1$/);
    expect(job.testenv).toBe(join(dir, 'testenv.yaml'));
    expect(job.rank.sortBy).toEqual([{ metric: 'f1_score', ascend: false }, { metric: 'samples_transfer_ratio', ascend: true }]);
    expect(job.rank.visualization).toEqual({ mode: 'selected_only', method: 'print_table' });
    expect(job.rank.selected).toEqual({ paradigms: ['all'], modules: ['all'], hyperparameters: ['all'], metrics: ['all'] });
    expect(job.rank.saveMode).toBe('selected_and_all');
    expect(job.simulation).toBeUndefined();
  });

  it('reports broken YAML with its line and column', () => {
    const f = file('broken.yaml', 'benchmarkingjob:\n  name: "x"\n  testenv: [unclosed\n');
    expect(() => loadBenchmarkingJob(f)).toThrow(new RegExp(`${f}:\\d+:\\d+: broken YAML`));
  });

  it('names the file and the field of a missing, unknown or mistyped field', () => {
    const missing = file('missing.yaml', 'benchmarkingjob:\n  name: "x"\n  test_object: {type: algorithms, algorithms: [{name: a, url: a.yaml}]}\n');
    expect(() => loadBenchmarkingJob(missing)).toThrow(`${missing}: benchmarkingjob.testenv: is required`);
    const unknown = file('unknown.yaml', 'benchmarkingjob:\n  name: "x"\n  testenv: t.yaml\n  test_object: {type: algorithms, algorithms: [{name: a, url: a.yaml}]}\n  rank: {sort_by: [], save_mod: x}\n');
    expect(() => loadBenchmarkingJob(unknown)).toThrow('benchmarkingjob.rank.save_mod: unknown field');
    const badOrder = file('order.yaml', 'benchmarkingjob:\n  name: "x"\n  testenv: t.yaml\n  test_object: {type: algorithms, algorithms: [{name: a, url: a.yaml}]}\n  rank: {sort_by: [{acc: up}]}\n');
    expect(() => loadBenchmarkingJob(badOrder)).toThrow('benchmarkingjob.rank.sort_by[0].acc: must be "ascend" or "descend"');
    const noRoot = file('noroot.yaml', 'job: {}\n');
    expect(() => loadBenchmarkingJob(noRoot)).toThrow('missing root key "benchmarkingjob"');
  });

  it('parses simulation with links', () => {
    const job = loadBenchmarkingJob(
      file('sim.yaml', 'benchmarkingjob:\n  name: "x"\n  testenv: t.yaml\n  test_object: {type: algorithms, algorithms: [{name: a, url: a.yaml}]}\n  simulation:\n    cloud_number: 1\n    edge_number: 3\n    links: [{edge: all, latency_ms: 20, bandwidth_mbps: 10, loss_percent: 1}]\n'),
    );
    expect(job.simulation).toMatchObject({ cloudNumber: 1, edgeNumber: 3, links: [{ edge: 'all', latencyMs: 20, bandwidthMbps: 10, lossPercent: 1, jitterMs: 0 }] });
    const bad = file('sim-bad.yaml', 'benchmarkingjob:\n  name: "x"\n  testenv: t.yaml\n  test_object: {type: algorithms, algorithms: [{name: a, url: a.yaml}]}\n  simulation: {edge_number: 2, links: [{edge: 3}]}\n');
    expect(() => loadBenchmarkingJob(bad)).toThrow('benchmarkingjob.simulation.links[0].edge: must be "all" or an edge number 1..2');
  });
});

describe('testenv.yaml', () => {
  it("fills Ianvs's defaults and checks incremental_rounds", () => {
    const env = loadTestEnv(file('te.yaml', 'testenv:\n  dataset: {train_index: ./train.txt, test_index: ./test.txt}\n  metrics: [{name: f1_score, url: ./f1.ts}, {name: samples_transfer_ratio}]\n'), dir);
    expect(env.modelEval).toEqual({ metric: { mode: '', name: '', url: undefined }, threshold: 0.9, operator: '>' });
    expect(env.incrementalRounds).toBe(2);
    expect(env.round).toBe(1);
    expect(env.clientNumber).toBe(1);
    expect(env.metrics).toEqual([{ name: 'f1_score', url: join(dir, 'f1.ts') }, { name: 'samples_transfer_ratio', url: undefined }]);
    const rounds = file('te-rounds.yaml', 'testenv:\n  dataset: {train_index: ./train.txt}\n  metrics: [{name: a}]\n  incremental_rounds: 1\n');
    expect(() => loadTestEnv(rounds, dir)).toThrow('testenv.incremental_rounds: must be >= 2');
  });

  it('accepts the old train_url/test_url with a deprecation warning', () => {
    const env = loadTestEnv(file('te-old.yaml', 'testenv:\n  dataset: {train_url: ./train.txt, test_url: ./test.txt}\n  metrics: [{name: a}]\n'), dir);
    expect(env.dataset.trainIndex).toBe(join(dir, 'train.txt'));
    expect(env.warnings.join('\n')).toMatch(/train_url is deprecated[\s\S]*test_url is deprecated/);
  });

  it('resolves index files inside a downloaded dataset and defaults its folder', () => {
    const env = loadTestEnv(file('te-dl.yaml', 'testenv:\n  dataset: {dataset_url: "http://example.invalid/data/fmnist.tar.gz", train_index: ./train_index.txt}\n  metrics: [{name: a}]\n'), join(dir, 'ws'));
    expect(env.dataset.download?.path).toBe(`${join(dir, 'ws')}/../dataset/fmnist`);
    expect(env.dataset.trainIndex).toBe(`${join(dir, 'ws')}/../dataset/fmnist/train_index.txt`);
    const badSha = file('te-sha.yaml', 'testenv:\n  dataset: {dataset_url: "http://x/a.zip", sha256: "abc"}\n  metrics: [{name: a}]\n');
    expect(() => loadTestEnv(badSha, dir)).toThrow('testenv.dataset.sha256: must be 64 hexadecimal digits');
  });
});

describe('algorithm YAML and the grid', () => {
  it('expands every combination of every module, last factor fastest', () => {
    const algo = loadAlgorithm(
      file('a.yaml', 'algorithm:\n  paradigm_type: incrementallearning\n  modules:\n    - type: basemodel\n      name: M\n      url: ./m.ts\n      hyperparameters:\n        - momentum: {values: [0.95, 0.5]}\n        - learning_rate: {values: [0.1, 0.01]}\n    - type: hard_example_mining\n      name: IBT\n      hyperparameters:\n        - threshold_img: {values: [0.9, 0.8]}\n'),
      'a',
    );
    expect(algo.incrementalSetting).toEqual({ trainRatio: 0.8, splittingMethod: 'default' });
    expect(algo.flSetting).toMatchObject({ trainRatio: 1, dataPartition: 'iid', nonIidRatio: 0.6, labelDataRatio: 1 });
    const grid = expandGrid(algo);
    expect(grid).toHaveLength(8);
    expect(grid.map((c) => [c[0]?.hyperparameters.momentum, c[0]?.hyperparameters.learning_rate, c[1]?.hyperparameters.threshold_img])).toEqual([
      [0.95, 0.1, 0.9], [0.95, 0.1, 0.8], [0.95, 0.01, 0.9], [0.95, 0.01, 0.8],
      [0.5, 0.1, 0.9], [0.5, 0.1, 0.8], [0.5, 0.01, 0.9], [0.5, 0.01, 0.8],
    ]);
  });

  it('refuses unknown paradigms and module types, naming the field', () => {
    expect(() => loadAlgorithm(file('p.yaml', 'algorithm:\n  paradigm_type: multitask\n  modules: [{type: basemodel, name: M}]\n'), 'p')).toThrow('algorithm.paradigm_type: must be one of');
    expect(() => loadAlgorithm(file('t.yaml', 'algorithm:\n  paradigm_type: singletasklearning\n  modules: [{type: basemodle, name: M}]\n'), 't')).toThrow('algorithm.modules[0].type: must be one of');
    expect(() => loadAlgorithm(file('h.yaml', 'algorithm:\n  paradigm_type: singletasklearning\n  modules: [{type: basemodel, name: M, hyperparameters: [{lr: {value: [1]}}]}]\n'), 'h')).toThrow('algorithm.modules[0].hyperparameters[0].lr.values: is required');
  });
});
