/**
 * simulation{cloud_number: 1, edge_number: 1}: the joint inference example's two test cases run at once, each as a
 * real JointInferenceService on the control plane the runner starts (as root, the edge node in its own network
 * namespace): the edge worker on the edge node, the big model on the cloud node; bytes on the edge link and the
 * latencies of the real cloud calls become system metrics; nothing is left afterwards.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runBenchmarkingJob } from '../../packages/benchmarking/src/job.js';
import { writeJobFiles } from './job-files.js';
import { processesUnder, simulationFixture } from './simulation-fixture.js';

const root = process.getuid?.() === 0;
const { dir, datasetUrl } = simulationFixture('bench-simulation-ji-', 600, 150);

describe('joint inference under simulation', () => {
  it('runs joint inference as JointInferenceServices, two cases at once', async () => {
    const logs: string[] = [];
    const file = writeJobFiles('joint_inference', join(dir, 'ji'), {
      datasetUrl: datasetUrl(),
      datasetPath: join(dir, 'dataset', 'fmnist'),
      workspace: join(dir, 'ji', 'workspace'),
      jobExtra: `  simulation:\n    cloud_number: 1\n    edge_number: 1\n${root ? '    links: [{edge: all, bandwidth_mbps: 100}]\n' : ''}`,
    });
    const out = await runBenchmarkingJob(file, { parallel: 2, log: (l) => void logs.push(l) });
    expect(out.failed.map((c) => c.result.error)).toEqual([]);
    expect(out.cases).toHaveLength(2);
    for (const c of out.cases) {
      const m = c.result.metrics;
      expect(Number(m.accuracy)).toBeGreaterThan(0.2);
      expect(Number(m.samples_transfer_ratio)).toBeGreaterThan(0);
      expect(Number(m.bytes_sent)).toBeGreaterThan(0);
      expect(Number(m.latency_p95_ms)).toBeGreaterThanOrEqual(Number(m.latency_p50_ms));
      const manifest = readFileSync(join(c.spec.outputDir, 'simulation-job.yaml'), 'utf8');
      expect(manifest).toContain('kind: JointInferenceService');
      expect(manifest).toContain('nodeName: edge-node-1');
      expect(manifest).toContain('nodeName: cloud-node');
      const info = JSON.parse(readFileSync(join(c.spec.outputDir, 'system-metric-info.json'), 'utf8'));
      expect(Object.keys(info.bytes_per_link)).toEqual(root ? ['edge-node-1'] : ['edge->cloud', 'cloud->edge']);
    }
    // A higher threshold sends more samples to the cloud.
    const ratio = (t: number) => Number(out.cases.find((c) => c.spec.modules.some((m) => m.hyperparameters.threshold_cross_entropy === t))?.result.metrics.samples_transfer_ratio);
    expect(ratio(0.7)).toBeGreaterThanOrEqual(ratio(0.5));
    expect(processesUnder(join(out.job.outputDir, 'simulation'))).toEqual([]);
  }, 300_000);
});
