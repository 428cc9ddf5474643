/**
 * ObjectSearchService and ObjectTrackingService on `sedna up` (a cloud node and two edge nodes) with the example's
 * real workers, on a slice of the synthetic scenario: the user's query images posted to the user worker are found by
 * both cameras' tracking workers through the ReID worker (hits on the right object), and the tracking service links
 * the two cameras' tracklets of the same objects.
 */
import { cpSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { kubectlPath } from '../../packages/apiserver/test/harness.js';
import { useSednaUp } from '../common/sedna-up-fixture.js';
import { EXAMPLE_DIR } from './run.js';
import { runSearch } from './search.js';
import { ensureTestModel } from './test-support.js';

// With the control plane's broker: several ReID replicas share their identities through it.
const up = useSednaUp({ name: 'multiedge-search', edgeNodes: 2, exampleDir: EXAMPLE_DIR, broker: 'nats' });

async function run(mode: 'search' | 'tracking', reidReplicas = 1, keep = false) {
  mkdirSync(join(up.workDir, 'models'), { recursive: true });
  cpSync(await ensureTestModel(), join(up.workDir, 'models'), { recursive: true });
  return runSearch({ kubeconfig: up.handle.kubeconfig, kubectl: kubectlPath(), workDir: up.workDir, mode, frames: 80, identities: 3, distractors: 1, fps: 10, realtime: false, matchThresh: 0.8, timeoutMs: 240_000, reidReplicas, keep, log: () => undefined });
}

describe('object search and tracking on sedna up', () => {
  it('finds the queried objects on both cameras through the user worker', async () => {
    const result = await run('search');
    const { figures } = result;
    const why = JSON.stringify(figures);
    for (const cam of Object.values(figures.cameras)) expect(cam.det_ap50).toBeGreaterThan(0.5);
    expect(figures.hits, why).toBeGreaterThan(0);
    expect(figures.hits_correct, why).toBeGreaterThan(0.8);
    expect(figures.search_found).toBeGreaterThan(0.5);
    const { status } = result;
    expect(status.conditions?.at(-1)?.type).toBe('Running');
    expect(status.active).toBe(4); // user worker, ReID worker, two tracking workers
  }, 300_000);

  it('keeps identities across the two cameras', async () => {
    const result = await run('tracking');
    const { figures } = result;
    const why = JSON.stringify(figures);
    expect(figures.cross_camera_links, why).toBeGreaterThan(0);
    expect(figures.identity_precision, why).toBeGreaterThan(0.6);
    expect(figures.reid_rank1, why).toBeGreaterThan(0.5);
    expect(result.status.conditions?.at(-1)?.type).toBe('Running');
  }, 300_000);

  it('keeps one set of identities across two ReID replicas (a gallery shared through the broker)', async () => {
    const result = await run('tracking', 2, true); // kept: its workers' logs are read below
    const { figures } = result;
    const why = JSON.stringify({ figures, reidMessages: result.reidMessages });
    // The tracking workers spread their boxes over both replicas (each on its own node port).
    expect(result.reidMessages.length, why).toBe(2);
    for (const n of result.reidMessages) expect(n, why).toBeGreaterThan(0);
    // Each replica saw only part of every tracklet, yet the two cameras' tracklets of one object share an identity.
    expect(figures.cross_camera_links, why).toBeGreaterThan(0);
    expect(figures.identity_precision, why).toBeGreaterThan(0.6);
    expect(result.status.active).toBe(4); // two ReID replicas, two tracking workers
    const logs = await up.run(kubectlPath(), ['--kubeconfig', up.handle.kubeconfig, 'logs', '-l', 'objecttrackingservice.sedna.io/name=tracking,objecttrackingservice.sedna.io/worker-type=reidworker']);
    expect(logs.out.match(/identities shared by the replicas in the key-value bucket sedna_default_tracking_\w+_identities/g)?.length, logs.out).toBe(2);
  }, 300_000);
});
