/**
 * simulation{cloud_number: 1, edge_number: 1}: one test case of the incremental learning example runs as a real
 * IncrementalLearningJob on the control plane the runner starts: the inference worker on the edge node mines hard
 * examples, the case appends them to the job's dataset, the LC's train trigger starts each round, train and eval
 * run as pods on the cloud node and the deploy trigger decides; the test set is inferred through the job's
 * inference worker. Nothing is left afterwards.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runBenchmarkingJob } from '../../packages/benchmarking/src/job.js';
import { writeJobFiles } from './job-files.js';
import { processesUnder, simulationFixture } from './simulation-fixture.js';

const { dir, datasetUrl } = simulationFixture('bench-simulation-il-', 900, 150);

describe('incremental learning under simulation', () => {
  it('runs a test case as an IncrementalLearningJob: hard examples, train, eval and deploy rounds', async () => {
    const logs: string[] = [];
    const file = writeJobFiles('incremental_learning', join(dir, 'il'), {
      datasetUrl: datasetUrl(),
      datasetPath: join(dir, 'dataset', 'fmnist'),
      workspace: join(dir, 'il', 'workspace'),
      // One case: the grid's first learning rate and epochs.
      algorithm: { 'values: [ 0.001, 0.0005 ]': 'values: [ 0.001 ]', 'values: [ 1, 2 ]': 'values: [ 1 ]' },
      jobExtra: '  simulation:\n    cloud_number: 1\n    edge_number: 1\n',
    });
    const out = await runBenchmarkingJob(file, { parallel: 1, log: (l) => void logs.push(l) });
    expect(out.failed.map((c) => c.result.error)).toEqual([]);
    expect(out.cases).toHaveLength(1);
    const [c] = out.cases;
    expect(Number(c?.result.metrics.f1_score)).toBeGreaterThan(0.2);
    expect(Number(c?.result.metrics.samples_transfer_ratio)).toBeGreaterThan(0);
    const manifest = readFileSync(join(c!.spec.outputDir, 'simulation-job.yaml'), 'utf8');
    expect(manifest).toContain('kind: IncrementalLearningJob');
    const caseLog = readFileSync(join(c!.spec.outputDir, 'case.log'), 'utf8');
    // Every round with hard examples went through the job: train, eval and the deploy decision.
    expect(caseLog).toMatch(/round 1: the job's round ended: (the new model was deployed|not deployed)/);
    expect(caseLog).toMatch(/round 2: the job's round ended: (the new model was deployed|not deployed)/);
    const info = JSON.parse(readFileSync(join(c!.spec.outputDir, 'system-metric-info.json'), 'utf8'));
    expect(info.samples_transfer_ratio).toHaveLength(3);
    expect(existsSync(join(c!.spec.outputDir, 'output', 'job', 'orders', '2.result.json'))).toBe(true);
    expect(processesUnder(join(out.job.outputDir, 'simulation'))).toEqual([]);
  }, 300_000);
});
