/**
 * The incremental learning example with its inference worker as a graph (graph.toml, run by `sedna flow run`) on
 * the embedded control plane, on a slice: the graph's camera plays the site's frames, hard examples are mined and
 * saved, the labeller appends them to the dataset, the LC's train trigger fires, train and eval run, the deploy
 * trigger passes, and the new model is hot-updated into the running graph (no restart), which then answers with it.
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
const ilDir = resolve(exampleDir, '../../incremental_learning/fashion_mnist');
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
  dataDir = mkdtempSync(join(tmpdir(), 'sedna-flow-il-embedded-'));
  work = mkdtempSync(join(tmpdir(), 'sedna-flow-il-work-'));
  const prepared = await run(['--import', 'tsx', join(exampleDir, 'prepare.ts'), '--work', work, '--frames', '1200', '--holdout', '400', '--base-samples', '6000', '--base-epochs', '3']);
  expect(prepared.status, prepared.out).toBe(0);
  handle = await up({ dataDir, edgeNodes: 1, apiPort: 0, hubPort: 0, datasetRoots: [work], log: () => undefined });
}, 180_000);
afterAll(async () => {
  labeller?.kill();
  if (dataDir) stopPodProcesses(dataDir);
  await handle?.stop();
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
});

describe('the incremental learning inference worker as a graph, on sedna up', () => {
  it('runs a round: hard examples from the graph, trigger, train, eval, deploy hot-updated into the running graph', async () => {
    const yaml = readFileSync(join(exampleDir, 'incremental_learning.yaml'), 'utf8')
      .replaceAll('$DATA_DIR', work)
      .replaceAll('$WORKER_NODE', 'edge-node-1')
      .replaceAll('$REPO_DIR', repo)
      .replace('threshold: 1500', 'threshold: 250')
      .replace('pollPeriodSeconds: 60', 'pollPeriodSeconds: 2');
    writeFileSync(join(work, 'job.yaml'), yaml);
    const applied = await sedna(['apply', '-f', join(work, 'job.yaml'), '--data-dir', dataDir]);
    expect(applied.status, applied.stderr).toBe(0);
    labeller = spawn(process.execPath, ['--import', 'tsx', join(ilDir, 'label.ts'), '--he', join(work, 'he'), '--ground-truth', join(work, 'site', 'ground_truth.txt'), '--dataset', join(work, 'dataset', 'train_data.txt'), '--rate', '400', '--every-ms', '300'], { cwd: repo, stdio: 'ignore' });
    const trail = async (): Promise<string[]> => {
      const r = await sedna(['get', 'il', 'fashion-mnist-flow', '-o', 'json', '--data-dir', dataDir]);
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
    // The graph was not restarted: its inference unit swapped models (hot update) and answers with the new one.
    const pods = JSON.parse((await sedna(['get', 'pods', '-l', 'incrementallearningjob.sedna.io/worker-type=inference', '-o', 'json', '--data-dir', dataDir])).stdout).items;
    expect(pods).toHaveLength(1);
    expect(pods[0].status.containerStatuses[0].restartCount).toBe(0);
    const logs = await sedna(['logs', pods[0].metadata.name, '--data-dir', dataDir]);
    expect(logs.stdout).toMatch(/graph incremental-learning-inference: 7 nodes/);
    expect(logs.stdout).toMatch(/Normal ModelUpdated infer: now serving .*model-hot-update.* \(version /);
    const results = join(work, 'infer', 'results.txt');
    const updated = await waitFor('results of the new model', () => readFileSync(results, 'utf8').split('\n').find((line) => /^frame-\d{5} \d \S+/.test(line) && !line.endsWith(' initial')));
    expect(updated).toMatch(/^frame-\d{5} \d \d{4}-/);
    const saved = readFileSync(join(work, 'he', 'index.txt'), 'utf8').trim().split('\n');
    expect(saved.length).toBeGreaterThan(250);
    expect(saved[0]).toMatch(/^he-frame-\d{5}\.pgm \d$/);
  }, 300_000);
});
