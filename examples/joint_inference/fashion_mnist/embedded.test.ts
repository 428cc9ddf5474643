/**
 * The example end to end on the embedded control plane (`sedna up`), on a slice: models trained on 3,000 images,
 * 300 test images streamed; the JointInferenceService's status metrics are read with the real kubectl.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { up, type UpHandle } from '../../../packages/cli/src/commands/up.js';
import { stopPodProcesses } from '../../../packages/cli/test/pod-processes.js';
import { ensureBuilt, runCommand } from '../../../packages/cli/test/harness.js';
import { kubectlPath } from '../../../packages/apiserver/test/harness.js';
import { EXAMPLE_DIR } from './manifest.js';

let handle: UpHandle;
let dataDir: string;
let workDir: string;

/** Runs a command in the example's folder, HOME in the control plane's data dir. */
const run = (command: string, args: string[]) => runCommand(command, args, { cwd: EXAMPLE_DIR, env: { HOME: dataDir } });

beforeAll(async () => {
  ensureBuilt();
  dataDir = mkdtempSync(join(tmpdir(), 'sedna-ji-embedded-'));
  workDir = mkdtempSync(join(tmpdir(), 'sedna-ji-work-'));
  handle = await up({ dataDir, edgeNodes: 1, apiPort: 0, hubPort: 0, datasetRoots: ['/'], log: () => undefined });
}, 120_000);
afterAll(async () => {
  // Workers outlive their LC (it re-adopts them): end them before the control plane.
  if (dataDir) stopPodProcesses(dataDir);
  await handle?.stop();
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(workDir, { recursive: true, force: true });
});

describe('the joint inference example on sedna up', () => {
  it('streams a slice through both workers and lands the metrics in the service status', async () => {
    const kubectl = kubectlPath();
    const r = await run(process.execPath, ['--import', 'tsx', join(EXAMPLE_DIR, 'run.ts'), '--kubeconfig', handle.kubeconfig, '--kubectl', kubectl, '--edge-node', 'edge-node-1', '--cloud-node', 'cloud-node', '--work-dir', workDir, '--count', '300', '--train-count', '3000', '--epochs-little', '2', '--epochs-big', '2', '--keep', '--quiet', '--timeout', '240']);
    expect(r.status, r.out).toBe(0);
    expect(r.out).toMatch(/joint inference\s+\d+\.\d+ %/);
    const yaml = await run(kubectl, ['--kubeconfig', handle.kubeconfig, 'get', 'ji', 'fashion-mnist-inference-example', '-o', 'yaml']);
    const ji = parse(yaml.out) as { status: { metrics: { key: string; value: string }[]; conditions: { type: string }[]; active: number } };
    const metrics = Object.fromEntries(ji.status.metrics.map((m) => [m.key, m.value]));
    expect(metrics['inferenceNumber']).toBe('300');
    expect(Number(metrics['uploadCloudRatio'])).toBeGreaterThan(0);
    expect(Number(metrics['uploadCloudRatio'])).toBeLessThan(1);
    expect(ji.status.conditions.at(-1)!.type).toBe('Running');
    expect(ji.status.active).toBe(2);
  }, 300_000);
});
