/**
 * The three benchmarking examples on a slice of Fashion-MNIST served by a local HTTP server (dataset_url), through
 * the runner as `sedna benchmark` uses it: the rank files' columns and ordering, the cache on a second run, the
 * plots and report; and the failure cases: a metric that throws fails its case only, a module that does not load
 * fails with its own error.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBenchmarkingJob } from '../../packages/benchmarking/src/job.js';
import { parseCsv } from '../../packages/benchmarking/src/rank/csv.js';
import { fashionSliceTarGz, serveFiles, type DatasetServer } from '../../packages/benchmarking/test/fixtures.js';
import { ensureBuilt } from '../../packages/cli/test/harness.js';
import { writeJobFiles, type ExampleName } from './job-files.js';

const dir = mkdtempSync(join(tmpdir(), 'bench-examples-'));
let server: DatasetServer;
const logs: string[] = [];
const log = (line: string): void => void logs.push(line);

beforeAll(async () => {
  ensureBuilt();
  server = await serveFiles({ '/fashion-mnist-slice.tar.gz': fashionSliceTarGz(900, 200) });
  process.env.SEDNA_BENCHMARK_CACHE = join(dir, 'cache');
}, 120_000);
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

function job(example: ExampleName, name: string, testenv?: Record<string, string>): string {
  return writeJobFiles(example, join(dir, name), {
    datasetUrl: `${server.url}/fashion-mnist-slice.tar.gz`,
    datasetPath: join(dir, 'dataset', 'fashion-mnist-slice'),
    workspace: join(dir, name, 'workspace'),
    ...(testenv ? { testenv } : {}),
  });
}

const csv = (file: string) => parseCsv(readFileSync(file, 'utf8'), file);

describe('benchmarking examples on a Fashion-MNIST slice', () => {
  it('incremental learning: a 4-case grid ranked by f1 then samples_transfer_ratio', async () => {
    const file = job('incremental_learning', 'il');
    const out = await runBenchmarkingJob(file, { parallel: 2, log });
    expect(out.failed.map((c) => c.result.error)).toEqual([]);
    expect(out.cases).toHaveLength(4);
    const all = csv(out.rank!.allRank);
    expect(all.header).toEqual([
      'rank', 'algorithm', 'f1_score', 'samples_transfer_ratio', 'paradigm', 'basemodel', 'hard_example_mining',
      'basemodel-learning_rate', 'basemodel-epochs', 'hard_example_mining-threshold_cross_entropy', 'time', 'url',
    ]);
    const f1 = all.rows.map((r) => Number(r.f1_score));
    expect(f1).toEqual([...f1].sort((a, b) => b - a));
    for (const r of all.rows) {
      expect(Number(r.f1_score)).toBeGreaterThan(0.3);
      expect(Number(r.samples_transfer_ratio)).toBeGreaterThan(0);
      expect(r.paradigm).toBe('incrementallearning');
      expect(existsSync(join(r.url ?? '', 'output', 'train', '1'))).toBe(true);
    }
    expect(existsSync(join(out.job.outputDir, 'report', 'index.html'))).toBe(true);
    expect(existsSync(join(out.job.outputDir, 'report', 'metric-f1_score.png'))).toBe(true);
    expect(existsSync(join(out.job.outputDir, 'report', 'f1_score-vs-basemodel-learning_rate.svg'))).toBe(true);
  }, 240_000);

  it('federated learning: FedAvg with iid and non-iid partitions, on the dataset the first job downloaded', async () => {
    const requests = server.requests.length;
    const out = await runBenchmarkingJob(job('federated_learning', 'fl', { 'round: 5': 'round: 2', 'client_number: 5': 'client_number: 3' }), { parallel: 2, log });
    expect(out.failed.map((c) => c.result.error)).toEqual([]);
    const all = csv(out.rank!.allRank);
    expect(all.header).toEqual(['rank', 'algorithm', 'accuracy', 'paradigm', 'basemodel', 'aggregation', 'basemodel-learning_rate', 'basemodel-epochs', 'basemodel-batch_size', 'time', 'url']);
    expect(all.rows.map((r) => r.algorithm).sort()).toEqual(['fedavg_iid', 'fedavg_noniid']);
    for (const r of all.rows) expect(Number(r.accuracy)).toBeGreaterThan(0.2);
    // The same dataset_url and folder: nothing downloaded again.
    expect(server.requests.length).toBe(requests);
    expect(logs.some((l) => l.includes('already in'))).toBe(true);
  }, 240_000);

  it('lifelong learning: tasks by origin, BWT/FWT/Matrix and heatmaps', async () => {
    const out = await runBenchmarkingJob(job('lifelong_learning', 'll'), { parallel: 2, log });
    expect(out.failed.map((c) => c.result.error)).toEqual([]);
    const selected = csv(out.rank!.selectedRank);
    expect(selected.header.slice(0, 7)).toEqual(['rank', 'algorithm', 'accuracy', 'BWT', 'FWT', 'task_avg_acc', 'paradigm']);
    const byName = Object.fromEntries(selected.rows.map((r) => [r.algorithm, r]));
    // A model per task forgets nothing: it beats one model fine-tuned task after task.
    expect(Number(byName.per_task_models?.accuracy)).toBeGreaterThan(Number(byName.one_shared_model?.accuracy));
    for (const c of out.cases) {
      const matrix = (c.result.metrics.Matrix as { accuracy: number[][] }).accuracy;
      expect(matrix).toHaveLength(4);
      expect(matrix.every((row) => row.length === 3)).toBe(true);
      expect(existsSync(join(c.spec.outputDir, 'output', 'accuracy-heatmap.png'))).toBe(true);
    }
  }, 240_000);

  it('a metric that throws fails its case and the others go on; a module that does not load names its error', async () => {
    const base = join(dir, 'bad');
    const modules = join(import.meta.dirname, '../../packages/benchmarking/test/modules');
    writeFileSync(join(dir, 'bad-testenv.yaml'), `testenv:\n  dataset:\n    dataset_url: "${server.url}/fashion-mnist-slice.tar.gz"\n    dataset_path: "${join(dir, 'dataset', 'fashion-mnist-slice')}"\n    train_index: "./train_index.txt"\n    test_index: "./test_index.txt"\n  metrics:\n    - name: needs_variety\n      url: "${modules}/fragile-metric.ts"\n`);
    writeFileSync(join(dir, 'bad-algo.yaml'), `algorithm:\n  paradigm_type: singletasklearning\n  modules:\n    - type: basemodel\n      name: MaybeConstant\n      url: "${modules}/constant-model.ts"\n      hyperparameters:\n        - constant: {values: [true, false]}\n`);
    writeFileSync(join(dir, 'broken-algo.yaml'), `algorithm:\n  paradigm_type: singletasklearning\n  modules:\n    - type: basemodel\n      name: Broken\n      url: "${modules}/broken-module.ts"\n`);
    writeFileSync(join(dir, 'exiting-algo.yaml'), `algorithm:\n  paradigm_type: singletasklearning\n  modules:\n    - type: basemodel\n      name: ExitingModel\n      url: "${modules}/exiting-model.ts"\n      hyperparameters:\n        - how: {values: [exit, uncaught]}\n`);
    writeFileSync(join(dir, 'py-algo.yaml'), `algorithm:\n  paradigm_type: singletasklearning\n  modules:\n    - type: basemodel\n      name: FPN\n      url: "./basemodel.py"\n`);
    const file = join(dir, 'bad-job.yaml');
    writeFileSync(file, `benchmarkingjob:\n  name: bad\n  workspace: "${base}"\n  testenv: "${join(dir, 'bad-testenv.yaml')}"\n  test_object:\n    type: algorithms\n    algorithms:\n      - {name: maybe_constant, url: "${join(dir, 'bad-algo.yaml')}"}\n      - {name: broken, url: "${join(dir, 'broken-algo.yaml')}"}\n      - {name: python, url: "${join(dir, 'py-algo.yaml')}"}\n      - {name: exiting, url: "${join(dir, 'exiting-algo.yaml')}"}\n  rank:\n    sort_by: [{needs_variety: descend}]\n`);
    const out = await runBenchmarkingJob(file, { parallel: 2, log });
    expect(out.cases).toHaveLength(6);
    expect(out.failed.map((c) => c.result.error)).toEqual([
      'metric "needs_variety" failed: predictions are all one class',
      expect.stringMatching(/^module basemodel "Broken": .*broken-module.ts does not load: this module is broken on purpose/),
      expect.stringMatching(/^module basemodel "FPN": .*basemodel.py is a Python file; this runner loads TypeScript \(.ts, .mts\) or JavaScript/),
      // A module that exits, or throws where nothing catches it, ends its own case's thread, not the run.
      expect.stringMatching(/^the case's thread ended \(exit code 3\) before its result/),
      expect.stringMatching(/^the case's thread ended \(exit code 1\) before its result: .*thrown in a timer on purpose/),
    ]);
    const all = csv(out.rank!.allRank);
    expect(all.rows).toHaveLength(1);
    expect(all.rows[0]).toMatchObject({ algorithm: 'maybe_constant', 'basemodel-constant': 'False' });
    const failures = csv(join(base, 'bad', 'rank', 'failed_cases.csv'));
    expect(failures.rows.map((r) => r.algorithm)).toEqual(['maybe_constant', 'broken', 'python', 'exiting', 'exiting']);
  }, 240_000);
});
