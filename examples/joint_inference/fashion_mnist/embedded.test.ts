/**
 * The example end to end on the embedded control plane (`sedna up`), on a slice: models trained on 3,000 images,
 * 300 test images streamed; the JointInferenceService's status metrics are read with the real kubectl.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { kubectlPath } from '../../../packages/apiserver/test/harness.js';
import { useSednaUp } from '../../common/sedna-up-fixture.js';
import { EXAMPLE_DIR } from './manifest.js';

const up = useSednaUp({ name: 'ji', edgeNodes: 1, exampleDir: EXAMPLE_DIR });
const run = (command: string, args: string[]) => up.run(command, args);

describe('the joint inference example on sedna up', () => {
  it('streams a slice through both workers and lands the metrics in the service status', async () => {
    const kubectl = kubectlPath();
    const r = await run(process.execPath, ['--import', 'tsx', join(EXAMPLE_DIR, 'run.ts'), '--kubeconfig', up.handle.kubeconfig, '--kubectl', kubectl, '--edge-node', 'edge-node-1', '--cloud-node', 'cloud-node', '--work-dir', up.workDir, '--count', '300', '--train-count', '3000', '--epochs-little', '2', '--epochs-big', '2', '--keep', '--quiet', '--timeout', '240']);
    expect(r.status, r.out).toBe(0);
    expect(r.out).toMatch(/joint inference\s+\d+\.\d+ %/);
    const yaml = await run(kubectl, ['--kubeconfig', up.handle.kubeconfig, 'get', 'ji', 'fashion-mnist-inference-example', '-o', 'yaml']);
    const ji = parse(yaml.out) as { status: { metrics: { key: string; value: string }[]; conditions: { type: string }[]; active: number } };
    const metrics = Object.fromEntries(ji.status.metrics.map((m) => [m.key, m.value]));
    expect(metrics['inferenceNumber']).toBe('300');
    expect(Number(metrics['uploadCloudRatio'])).toBeGreaterThan(0);
    expect(Number(metrics['uploadCloudRatio'])).toBeLessThan(1);
    expect(ji.status.conditions.at(-1)!.type).toBe('Running');
    expect(ji.status.active).toBe(2);
  }, 300_000);
});
