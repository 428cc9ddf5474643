/**
 * The real-video scenario on `sedna up` on a short clip: the first 8 seconds of vtest.avi cut into two overlapping
 * cameras. vtest.avi comes from Debian's opencv-doc package (apt-get download, once, kept in ~/.cache/sedna); when
 * neither the cache nor a Debian mirror has it, the test is skipped and says why.
 */
import { cpSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { kubectlPath } from '../../packages/apiserver/test/harness.js';
import { useSednaUp } from '../common/sedna-up-fixture.js';
import { ensureVtest } from './real-video.js';
import { EXAMPLE_DIR, runScenario } from './run.js';
import { ensureTestModel, TEST_CACHE_DIR } from './test-support.js';

let vtest: string | undefined;
let why = '';
try {
  vtest = ensureVtest();
} catch (err) {
  why = (err as Error).message;
}

const up = useSednaUp({ name: 'multiedge-real', edgeNodes: 2, exampleDir: EXAMPLE_DIR });

describe.skipIf(!vtest)(`the real-video scenario on sedna up${vtest ? '' : ` (skipped: ${why})`}`, () => {
  it('detects and tracks pedestrians in both cameras and matches them across the overlap', async () => {
    mkdirSync(join(up.workDir, 'models'), { recursive: true });
    cpSync(await ensureTestModel(), join(up.workDir, 'models'), { recursive: true });
    const result = await runScenario({ kubeconfig: up.handle.kubeconfig, kubectl: kubectlPath(), workDir: up.workDir, transport: 'rest', frames: 0, identities: 0, distractors: 0, fps: 10, realtime: false, trainSteps: 60, matchThresh: 0.8, realVideo: { seconds: 8 }, timeoutMs: 240_000, cacheDir: TEST_CACHE_DIR, log: () => undefined });
    for (const va of Object.values(result.status['va'] as Record<string, { phase: string }>)) expect(va.phase).toBe('Succeeded');
    expect(result.figures.detections).toBeGreaterThan(20);
    for (const cam of Object.values(result.figures.cameras)) expect(cam.frames).toBe(80);
    expect(result.figures.reid_rank1).toBeGreaterThanOrEqual(0);
    expect(result.page).toMatch(/index\.html$/);
  }, 300_000);
});
