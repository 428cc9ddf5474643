/**
 * The example end to end on a slice: run.ts --local with a small base model and a short camera stream, as
 * processes (the run, the inference, train and eval workers, the labeller). Checks the round went through and
 * the new model is better at the new site than the base model.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EXAMPLE_DIR, REPO_DIR } from './paths.js';

const work = mkdtempSync(path.join(os.tmpdir(), 'sedna-il-example-'));

function run(args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(EXAMPLE_DIR, 'run.ts'), ...args], { cwd: REPO_DIR, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, out }));
  });
}

describe('incremental learning example (Fashion-MNIST, new site), local mode on a slice', () => {
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('plays one round: hard examples, labels, train, eval, deploy by hot update, better at the new site', { timeout: 400_000 }, async () => {
    const { code, out } = await run([
      '--local', '--quiet', '--work', work,
      '--frames', '1200', '--holdout', '400', '--base-samples', '6000', '--base-epochs', '3',
      '--train-threshold', '250', '--label-rate', '400', '--frame-interval-ms', '20', '--after-frames', '200', '--timeout', '300',
    ]);
    const last = out.trim().split('\n').at(-1) ?? '';
    let summary: any;
    try {
      summary = JSON.parse(last);
    } catch {
      throw new Error(`run.ts did not end with its JSON summary (exit ${code}):\n${out.slice(-3000)}`);
    }
    expect(summary.outcome, out.slice(-3000)).toBe('deployed');
    expect(code).toBe(0);
    expect(summary.round.rounds).toBe(1);
    expect(summary.round.trainSamples).toBeGreaterThan(250);
    expect(summary.round.evalSamples).toBeGreaterThan(0);
    expect(summary.round.evalAccuracy.new).toBeGreaterThan(summary.round.evalAccuracy.old);
    expect(summary.site.after).toBeGreaterThan(summary.site.before + 0.1);
    expect(summary.live.after.frames).toBeGreaterThanOrEqual(200);
    expect(summary.live.after.accuracy).toBeGreaterThan(summary.live.before.accuracy);
    expect(summary.labelled).toBe(summary.hardExamples);

    // The round's files where the LC writes them, and the hot update the inference worker loaded.
    const train = readFileSync(path.join(work, 'output', 'data', 'train', '1', 'data.txt'), 'utf8').trim().split('\n');
    expect(train[0]).toMatch(/^images\/he-frame-\d{5}\.pgm [0-9]$/);
    expect(existsSync(path.join(work, 'output', 'train', '1', 'model.onnx'))).toBe(true);
    const config = JSON.parse(readFileSync(path.join(work, 'model-hot-update', 'default', 'incrementallearningjob', 'fashion-mnist-demo', 'model_config.json'), 'utf8'));
    expect(config.model_config.model_path).toMatch(/^\/model-hot-update\/models\/v\d+\/model\.onnx$/);
  });
});
