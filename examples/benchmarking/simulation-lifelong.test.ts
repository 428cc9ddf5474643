/**
 * simulation{cloud_number: 1, edge_number: 3}: the lifelong learning example's per-task case runs as a real
 * LifelongLearningJob on the control plane the runner starts: each round the case adds the next task (by origin) to
 * the job's dataset, the LC's trigger starts the round, the train and eval workers run as pods on the cloud node
 * with the case's modules in the lib's LifelongLearning, the LC deploys the knowledge base index and the GM restarts
 * the inference worker on the edge node, which answers the test set for the round's row of the accuracy matrix.
 * BWT, FWT, task_avg_acc and the Matrix land in all_rank.csv. The one-shared-model baseline cannot be a
 * LifelongLearningJob and fails with that message; the other case goes on. Nothing is left afterwards.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runBenchmarkingJob } from '../../packages/benchmarking/src/job.js';
import { parseCsv } from '../../packages/benchmarking/src/rank/csv.js';
import { writeJobFiles } from './job-files.js';
import { processesUnder, simulationFixture } from './simulation-fixture.js';

const { dir, datasetUrl } = simulationFixture('bench-simulation-ll-', 600, 150);

describe('lifelong learning under simulation', () => {
  it('runs a test case as a LifelongLearningJob, one round per task, and ranks BWT, FWT, task_avg_acc and the Matrix', async () => {
    const logs: string[] = [];
    const file = writeJobFiles('lifelong_learning', join(dir, 'll'), {
      datasetUrl: datasetUrl(),
      datasetPath: join(dir, 'dataset', 'fmnist'),
      workspace: join(dir, 'll', 'workspace'),
      jobExtra: '  simulation:\n    cloud_number: 1\n    edge_number: 3\n',
    });
    const out = await runBenchmarkingJob(file, { parallel: 1, log: (l) => void logs.push(l) });
    expect(out.failed.map((c) => c.result.error)).toEqual([expect.stringMatching(/^simulation: basemodel "FashionMLP" has shared_model: true .* which a LifelongLearningJob cannot run/)]);
    const ok = out.cases.filter((c) => c.result.ok);
    expect(ok.map((c) => c.spec.algorithm.name)).toEqual(['per_task_models']);
    const [c] = ok;
    const caseDir = c!.spec.outputDir;
    expect(readFileSync(join(caseDir, 'simulation-job.yaml'), 'utf8')).toContain('kind: LifelongLearningJob');

    // The job went through a round per task on the control plane: train, eval and deploy.
    const info = JSON.parse(readFileSync(join(caseDir, 'system-metric-info.json'), 'utf8'));
    const tasks = ['tops', 'bottoms', 'footwear_and_bags'];
    expect(info.job.rounds).toBe(3);
    expect(info.rounds.map((r: { task: string }) => r.task)).toEqual(tasks);
    expect(info.rounds.map((r: { task_groups: string[] }) => r.task_groups.length)).toEqual([1, 2, 3]);
    const caseLog = readFileSync(join(caseDir, 'case.log'), 'utf8');
    expect(caseLog.match(/LifelongLearningJob bench-\w+: round \d: Deploy\/Completed/g)).toHaveLength(3);
    expect(caseLog.match(/LifelongLearningJob bench-\w+: round \d: Eval\/Completed/g)).toHaveLength(3);
    // What the job produced: a model per task in the knowledge base, and the job's own summary of it.
    expect(info.knowledge_base.task_groups.map((g: { entry: string }) => g.entry).sort()).toEqual([...tasks].sort());
    for (const g of info.knowledge_base.task_groups) expect(g.train_samples).toBeGreaterThan(0);
    expect(info.knowledge_base.status.AIModels.numberOfAIModels).toBe(3);
    expect(existsSync(join(caseDir, 'output', 'job', 'orders', '2.result.json'))).toBe(true);

    // The system metrics in the rank, from the matrix the job's answers gave.
    const all = parseCsv(readFileSync(out.rank!.allRank, 'utf8'), out.rank!.allRank);
    expect(all.header).toEqual(expect.arrayContaining(['accuracy', 'BWT', 'FWT', 'task_avg_acc', 'Matrix']));
    expect(all.rows).toHaveLength(1);
    const row = all.rows[0]!;
    const matrix = (JSON.parse(row.Matrix as string) as { accuracy: number[][] }).accuracy;
    expect(matrix).toHaveLength(4);
    expect(matrix.every((r) => r.length === 3 && r.every((a) => a >= 0 && a <= 1))).toBe(true);
    // Learning a task makes its own test samples better answered than the untrained model did.
    for (let t = 0; t < 3; t++) expect(matrix[t + 1]![t]!).toBeGreaterThan(matrix[0]![t]!);
    expect(Number(row.task_avg_acc)).toBeGreaterThan(0.3);
    expect(Number(row.task_avg_acc)).toBeLessThanOrEqual(1);
    for (const metric of ['BWT', 'FWT']) expect(Math.abs(Number(row[metric]))).toBeLessThanOrEqual(1);
    expect(Number(row.accuracy)).toBeGreaterThan(0.3);
    expect(processesUnder(join(out.job.outputDir, 'simulation'))).toEqual([]);
  }, 300_000);
});
