/**
 * The example on the embedded control plane (`sedna up` with a cloud node and three edge nodes), on a slice: the
 * GM runs the aggregator on the cloud node and a trainer on each dataset's node, each round becomes a Training
 * condition, and the aggregator's per-round metrics land in the Model's status; read with the real kubectl.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { kubectlPath } from '../../../packages/apiserver/test/harness.js';
import { useSednaUp } from '../../common/sedna-up-fixture.js';
import { EXAMPLE_DIR } from './manifest.js';

const up = useSednaUp({ name: 'fl', edgeNodes: 3, exampleDir: EXAMPLE_DIR });
const run = (command: string, args: string[]) => up.run(command, args);

describe('the federated learning example on sedna up', () => {
  it('runs the job to Succeeded with a Training condition per round and the metrics in the Model', async () => {
    const kubectl = kubectlPath();
    const r = await run(process.execPath, ['--import', 'tsx', join(EXAMPLE_DIR, 'run.ts'), '--kubeconfig', up.handle.kubeconfig, '--kubectl', kubectl, '--work-dir', up.workDir, '--count', '3000', '--test-count', '500', '--rounds', '3', '--no-central', '--keep', '--quiet', '--timeout', '240']);
    expect(r.status, r.out).toBe(0);
    const summary = JSON.parse(r.out.trim().split('\n').at(-1)!);
    expect(summary.fl_acc_per_round).toHaveLength(3);
    expect(summary.model_metrics).toEqual([
      { key: 'accuracy', value: JSON.stringify(summary.fl_acc_per_round) },
      { key: 'loss', value: expect.stringMatching(/^\[[\d.,]+\]$/) },
    ]);

    const get = async (args: string[]): Promise<any> => {
      const got = await run(kubectl, ['--kubeconfig', up.handle.kubeconfig, 'get', ...args, '-o', 'json']);
      expect(got.status, got.out).toBe(0);
      return JSON.parse(got.out);
    };
    const job = await get(['federatedlearningjob', 'fashion-mnist-fl-example']);
    expect(job.status.phase).toBe('Succeeded');
    expect(job.status.conditions.filter((c: any) => c.type === 'Training').map((c: any) => c.message)).toEqual([
      expect.stringMatching(/^Round 1 reaches at/),
      expect.stringMatching(/^Round 2 reaches at/),
      expect.stringMatching(/^Round 3 reaches at/),
    ]);
    const pods = (await get(['pods', '-l', 'federatedlearningjob.sedna.io/name=fashion-mnist-fl-example'])).items;
    const nodesOf = (type: string): string[] => pods.filter((p: any) => p.metadata.labels['federatedlearningjob.sedna.io/worker-type'] === type).map((p: any) => p.spec.nodeName).sort();
    expect(nodesOf('aggregation')).toEqual(['cloud-node']);
    expect(nodesOf('train')).toEqual(['edge-node-1', 'edge-node-2', 'edge-node-3']);
  }, 300_000);
});
