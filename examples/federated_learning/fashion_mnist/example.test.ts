/**
 * The example end to end in --local mode on a slice (3,000 training images over three non-iid nodes, 1,000 test
 * images, 3 rounds): the aggregator and three trainers as processes, the central baseline, the ONNX model at
 * MODEL_URL giving the accuracy the aggregator reported.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { OnnxEstimator } from '@sedna/lib/estimators/onnx';
import { EXAMPLE_DIR } from './manifest.js';
import { readIndex } from './model.js';

const workDir = mkdtempSync(join(tmpdir(), 'sedna-fl-example-'));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

function run(args: string[]): Promise<{ status: number; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(EXAMPLE_DIR, 'run.ts'), ...args], { cwd: EXAMPLE_DIR });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('close', (code) => resolve({ status: code ?? -1, out }));
  });
}

describe('the federated learning example, --local', () => {
  it('trains over three non-iid nodes, prints the accuracy per round beside the central one, and saves an ONNX model', async () => {
    const r = await run(['--local', '--work-dir', workDir, '--count', '3000', '--test-count', '1000', '--rounds', '3', '--quiet']);
    expect(r.status, r.out).toBe(0);
    expect(r.out).toMatch(/edge-1: \d+ images, per class \[/);
    expect(r.out).toMatch(/round {2}federated \(FedAvg\) {2}central \(same epochs\)/);
    const summary = JSON.parse(r.out.trim().split('\n').at(-1)!);
    expect(summary).toMatchObject({ algorithm: 'FedAvg', split: 'dirichlet', rounds: 3, epochs: 1 });
    expect(summary.fl_acc_per_round).toHaveLength(3);
    expect(summary.fl_acc).toBeGreaterThan(0.6);
    expect(summary.central_acc).toBeGreaterThan(0.7);

    const model = new OnnxEstimator();
    await model.load(summary.model);
    const test = await readIndex(join(workDir, 'data', 'test', 'index.txt'));
    expect((await model.evaluate(test.x, test.y))['accuracy']).toBeCloseTo(summary.fl_acc, 3);
    model.dispose?.();
  }, 240_000);
});
