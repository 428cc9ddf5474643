/**
 * What the tests that run the example's incremental learning round on `sedna up` share: the prepared work folder
 * (site frames, base model) and a control plane with one edge node; the job's YAML filled in for a slice (a train
 * trigger at 250 samples, a 2 s model poll) and applied; the labeller that appends the hard examples to the dataset;
 * and the stage trail of a whole round. Used by embedded.test.ts, prometheus.test.ts and examples/flow.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { expect } from 'vitest';
import { up, type UpHandle } from '../../../packages/cli/src/commands/up.js';
import { stopControlPlaneAndPods } from '../../../packages/cli/test/pod-processes.js';
import { ensureBuilt, sedna } from '../../../packages/cli/test/harness.js';
import { stopChild } from '../../../test-kit/index.js';
import { ensureWorkersBuilt } from '../../common/worker-build.js';

export const IL_EXAMPLE_DIR = resolve(import.meta.dirname, '.');
const repo = resolve(IL_EXAMPLE_DIR, '../../..');

/** The conditions of one whole round, from the first wait to the next. */
export const WHOLE_ROUND = [
  'Train/Waiting', 'Train/Ready', 'Train/Starting', 'Train/Running', 'Train/Completed',
  'Eval/Waiting', 'Eval/Ready', 'Eval/Starting', 'Eval/Running', 'Eval/Completed',
  'Deploy/Waiting', 'Deploy/Ready', 'Deploy/Starting', 'Deploy/Running', 'Deploy/Completed',
  'Train/Waiting',
];

export interface RoundFixture {
  handle: UpHandle;
  dataDir: string;
  work: string;
  repo: string;
  /** Fills in and applies a job YAML of the example's shape (the example's own by default). */
  applyJob(yamlFile?: string): Promise<void>;
  /** Starts the labeller on the inference worker's hard examples. */
  startLabeller(): void;
  /** The job's conditions as `Stage/Type`. */
  trail(jobName: string): Promise<string[]>;
  stop(): Promise<void>;
}

function run(args: string[]): Promise<{ status: number; out: string }> {
  return new Promise((res) => {
    const child = spawn(process.execPath, args, { cwd: repo });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    child.on('close', (code) => res({ status: code ?? -1, out }));
  });
}

/**
 * Prepares the work folder on a slice with `prepareScript` (the example's prepare.ts by default; a variant of the
 * example may lay out more) and starts `sedna up` with one edge node; `prefix` names the temp folders.
 */
export async function startRoundFixture(prefix: string, prepareScript = join(IL_EXAMPLE_DIR, 'prepare.ts')): Promise<RoundFixture> {
  ensureBuilt();
  ensureWorkersBuilt(IL_EXAMPLE_DIR);
  const dataDir = mkdtempSync(join(tmpdir(), `${prefix}-embedded-`));
  const work = mkdtempSync(join(tmpdir(), `${prefix}-work-`));
  const prepared = await run(['--import', 'tsx', prepareScript, '--work', work, '--frames', '1200', '--holdout', '400', '--base-samples', '6000', '--base-epochs', '3']);
  expect(prepared.status, prepared.out).toBe(0);
  const handle = await up({ dataDir, edgeNodes: 1, apiPort: 0, hubPort: 0, datasetRoots: [work], log: () => undefined });
  let labeller: ChildProcess | undefined;
  return {
    handle,
    dataDir,
    work,
    repo,
    applyJob: async (yamlFile = join(IL_EXAMPLE_DIR, 'incremental_learning.yaml')) => {
      const yaml = readFileSync(yamlFile, 'utf8')
        .replaceAll('$DATA_DIR', work)
        .replaceAll('$WORKER_NODE', 'edge-node-1')
        .replaceAll('$REPO_DIR', repo)
        .replace('threshold: 1500', 'threshold: 250')
        .replace('pollPeriodSeconds: 60', 'pollPeriodSeconds: 2');
      writeFileSync(join(work, 'job.yaml'), yaml);
      const applied = await sedna(['apply', '-f', join(work, 'job.yaml'), '--data-dir', dataDir]);
      expect(applied.status, applied.stderr).toBe(0);
    },
    startLabeller: () => {
      labeller = spawn(
        process.execPath,
        ['--import', 'tsx', join(IL_EXAMPLE_DIR, 'label.ts'), '--he', join(work, 'he'), '--ground-truth', join(work, 'site', 'ground_truth.txt'), '--dataset', join(work, 'dataset', 'train_data.txt'), '--rate', '400', '--every-ms', '300'],
        { cwd: repo, stdio: 'ignore' },
      );
    },
    trail: async (jobName) => {
      const r = await sedna(['get', 'il', jobName, '-o', 'json', '--data-dir', dataDir]);
      return ((JSON.parse(r.stdout).status?.conditions ?? []) as { stage: string; type: string }[]).map((c) => `${c.stage}/${c.type}`);
    },
    stop: async () => {
      // The labeller writes into the work folder: it must be gone before the folder is removed.
      if (labeller) await stopChild(labeller);
      await stopControlPlaneAndPods(dataDir, () => handle.stop());
      rmSync(dataDir, { recursive: true, force: true });
      rmSync(work, { recursive: true, force: true });
    },
  };
}
