/**
 * The example end to end in --local mode on a slice: models trained on a few thousand images, both workers as real
 * processes talking HTTP on 127.0.0.1, the stand-in LC hearing the reports. Both mining modes, and the fallback
 * when the cloud worker is down.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALL_EXAMPLES_FILE, HARD_CLOUD_FILE, HARD_EDGE_FILE } from './outputs.js';
import { runExample, type RunOptions } from './run.js';
import { trainModels, type TrainReport } from './train.js';

let work: string;
let modelsDir: string;
let training: TrainReport;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'ji-example-'));
  modelsDir = join(work, 'models');
  training = await trainModels({ outDir: modelsDir, trainCount: 3000, epochsLittle: 2, epochsBig: 4, testCount: 500, log: () => undefined });
}, 120_000);

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

function lines(file: string): Record<string, unknown>[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

async function run(name: string, options: Partial<RunOptions>) {
  const outputDir = join(work, name);
  const logs: string[] = [];
  const report = await runExample({ mode: { kind: 'local' }, modelsDir, outputDir, offset: 100, count: 300, echo: false, log: (l) => logs.push(l), ...options });
  const folder = (sub: string): string => join(outputDir, sub);
  return {
    report,
    logs,
    all: lines(join(folder('output'), ALL_EXAMPLES_FILE)),
    hardEdge: lines(join(folder('hard_example_edge_inference_output'), HARD_EDGE_FILE)),
    hardCloud: lines(join(folder('hard_example_cloud_inference_output'), HARD_CLOUD_FILE)),
    outputDir,
  };
}

describe('the Fashion-MNIST joint inference example, --local', () => {
  it('trains a big model that beats the little one', () => {
    expect(training.big.testAccuracy).toBeGreaterThan(training.little.testAccuracy);
    expect(existsSync(training.little.file) && existsSync(training.big.file)).toBe(true);
  });

  it('streams the images through both workers (inference-then-mining) and writes the outputs and a sane summary', async () => {
    const { report, logs, all, hardEdge, hardCloud, outputDir } = await run('itm', {});
    const { summary } = report;
    expect(summary).toMatchObject({ count: 300, offset: 100, miningMode: 'inference-then-mining', hardExampleMining: 'CrossEntropy', cloudFailures: 0 });
    expect(summary.uploadRatio).toBeGreaterThan(0);
    expect(summary.uploadRatio).toBeLessThan(1);
    expect(summary.jointAccuracy).toBeGreaterThanOrEqual(report.edgeOnlyAccuracy - 0.01);
    // The edge worker's own count of the little model's hits matches ONNX Runtime run directly on the same images.
    expect(summary.edgeAccuracy).toBeCloseTo(report.edgeOnlyAccuracy, 6);
    expect(summary.throughput).toBeGreaterThan(0);

    expect(all).toHaveLength(300);
    expect(all[0]).toMatchObject({ index: 100 });
    expect(all.filter((l) => l['hardExample'] === true)).toHaveLength(summary.hardExamples);
    expect(hardEdge).toHaveLength(summary.hardExamples);
    expect(hardCloud).toHaveLength(summary.hardExamples);
    expect((hardCloud[0]?.['probabilities'] as number[]).length).toBe(10);

    expect(report.lastLcReport).toMatchObject({
      ownerKind: 'jointinferenceservice',
      ownerName: 'fashion-mnist-inference-example',
      name: 'edgeworker-local',
      ownerInfo: { inferenceNumber: 300, hardExampleNumber: summary.hardExamples },
    });
    expect(existsSync(join(outputDir, 'report.json'))).toBe(true);
    expect(logs.join('\n')).toMatch(/joint inference +\d+\.\d\d %/);
  }, 120_000);

  it('routes on the raw input in mining-then-inference mode', async () => {
    const { report, hardEdge, hardCloud } = await run('mti', {
      count: 200,
      miningMode: 'mining-then-inference',
      hardExampleMining: { name: 'Random', parameters: [{ key: 'random_ratio', value: '0.5' }] },
    });
    const { summary } = report;
    expect(summary).toMatchObject({ count: 200, miningMode: 'mining-then-inference', hardExampleMining: 'Random', cloudFailures: 0, edgeAccuracy: null });
    expect(summary.uploadRatio).toBeGreaterThan(0);
    expect(summary.uploadRatio).toBeLessThan(1);
    // Hard examples never ran on the edge.
    expect(hardEdge).toHaveLength(0);
    expect(hardCloud).toHaveLength(summary.hardExamples);
  }, 120_000);

  it('answers with the little model when the cloud worker is down, and counts the failures', async () => {
    const { report, all, hardCloud } = await run('down', { mode: { kind: 'local', cloudDown: true }, count: 200 });
    const { summary } = report;
    expect(summary.hardExamples).toBeGreaterThan(0);
    expect(summary).toMatchObject({ count: 200, cloudAnswers: 0, cloudFailures: summary.hardExamples });
    expect(summary.jointAccuracy).toBeCloseTo(report.edgeOnlyAccuracy, 6);
    expect(all.filter((l) => l['answeredBy'] === 'edge-fallback')).toHaveLength(summary.hardExamples);
    expect(hardCloud).toHaveLength(0);
  }, 120_000);
});
