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

const up = useSednaUp({ name: 'multiedge-search', edgeNodes: 2, exampleDir: EXAMPLE_DIR });

async function run(mode: 'search' | 'tracking') {
  mkdirSync(join(up.workDir, 'models'), { recursive: true });
  cpSync(await ensureTestModel(), join(up.workDir, 'models'), { recursive: true });
  return runSearch({ kubeconfig: up.handle.kubeconfig, kubectl: kubectlPath(), workDir: up.workDir, mode, frames: 80, identities: 3, distractors: 1, fps: 10, realtime: false, matchThresh: 0.8, timeoutMs: 240_000, log: () => undefined });
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
});
