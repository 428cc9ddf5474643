/**
 * A whole incremental learning round on the embedded control plane (`sedna up`) with the example's real workers,
 * on a slice: the inference worker saves hard examples, the labeller appends them to the dataset, the LC's train
 * trigger fires, train and eval run as pods, the deploy trigger passes, and the new model is hot-updated into the
 * running inference worker (Deploy/Completed reported by it), the job back at Train/Waiting.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { up, type UpHandle } from '../../../packages/cli/src/commands/up.js';
import { stopPodProcesses } from '../../../packages/cli/test/pod-processes.js';
import { ensureBuilt, sedna, waitFor } from '../../../packages/cli/test/harness.js';

const exampleDir = resolve(import.meta.dirname, '.');
const repo = resolve(exampleDir, '../../..');
let handle: UpHandle;
let dataDir: string;
let work: string;
let labeller: ChildProcess | undefined;

function run(args: string[]): Promise<{ status: number; out: string }> {
  return new Promise((res) => {
    const child = spawn(process.execPath, args, { cwd: repo });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    child.on('close', (code) => res({ status: code ?? -1, out }));
  });
}

beforeAll(async () => {
  ensureBuilt();
  dataDir = mkdtempSync(join(tmpdir(), 'sedna-il-embedded-'));
  work = mkdtempSync(join(tmpdir(), 'sedna-il-work-'));
  const prepared = await run(['--import', 'tsx', join(exampleDir, 'prepare.ts'), '--work', work, '--frames', '1200', '--holdout', '400', '--base-samples', '6000', '--base-epochs', '3']);
  expect(prepared.status, prepared.out).toBe(0);
  handle = await up({ dataDir, edgeNodes: 1, apiPort: 0, hubPort: 0, datasetRoots: [work], log: () => undefined });
}, 180_000);
afterAll(async () => {
  labeller?.kill();
  // Workers outlive their LC (it re-adopts them): end them before the control plane.
  if (dataDir) stopPodProcesses(dataDir);
  await handle?.stop();
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
});

describe('the incremental learning example on sedna up', () => {
  it('runs a round: trigger, train, eval, deploy with a hot update', async () => {
    const yaml = readFileSync(join(exampleDir, 'incremental_learning.yaml'), 'utf8')
      .replaceAll('$DATA_DIR', work)
      .replaceAll('$WORKER_NODE', 'edge-node-1')
      .replaceAll('$REPO_DIR', repo)
      .replace('threshold: 1500', 'threshold: 250')
      .replace('pollPeriodSeconds: 60', 'pollPeriodSeconds: 2');
    writeFileSync(join(work, 'job.yaml'), yaml);
    const applied = await sedna(['apply', '-f', join(work, 'job.yaml'), '--data-dir', dataDir]);
    expect(applied.status, applied.stderr).toBe(0);
    labeller = spawn(process.execPath, ['--import', 'tsx', join(exampleDir, 'label.ts'), '--he', join(work, 'he'), '--ground-truth', join(work, 'site', 'ground_truth.txt'), '--dataset', join(work, 'dataset', 'train_data.txt'), '--rate', '400', '--every-ms', '300'], { cwd: repo, stdio: 'ignore' });
    const trail = async (): Promise<string[]> => {
      const r = await sedna(['get', 'il', 'fashion-mnist-demo', '-o', 'json', '--data-dir', dataDir]);
      return ((JSON.parse(r.stdout).status?.conditions ?? []) as { stage: string; type: string }[]).map((c) => `${c.stage}/${c.type}`);
    };
    const conditions = await waitFor('a whole round', async () => {
      const t = await trail();
      return t.includes('Deploy/Completed') && t.at(-1) === 'Train/Waiting' ? t : undefined;
    }, 240_000);
    expect(conditions.slice(0, 16)).toEqual([
      'Train/Waiting', 'Train/Ready', 'Train/Starting', 'Train/Running', 'Train/Completed',
      'Eval/Waiting', 'Eval/Ready', 'Eval/Starting', 'Eval/Running', 'Eval/Completed',
      'Deploy/Waiting', 'Deploy/Ready', 'Deploy/Starting', 'Deploy/Running', 'Deploy/Completed',
      'Train/Waiting',
    ]);
    // The inference worker was not restarted: it swapped models (hot update).
    const pods = JSON.parse((await sedna(['get', 'pods', '-l', 'incrementallearningjob.sedna.io/worker-type=inference', '-o', 'json', '--data-dir', dataDir])).stdout).items;
    expect(pods).toHaveLength(1);
    expect(pods[0].status.containerStatuses[0].restartCount).toBe(0);
    const logs = await sedna(['logs', pods[0].metadata.name, '--data-dir', dataDir]);
    expect(logs.stdout).toMatch(/hot update: now serving .*model-hot-update.* \(version /);
  }, 300_000);
});
