/**
 * The multi-edge metrics as a user meets them: Debian's real `prometheus` runs with the prometheus.yml `sedna up`
 * wrote (file-based discovery finds the workers as they come) while the object search example runs on a slice of the
 * synthetic scenario. The workers' figures are read back through Prometheus' HTTP query API and compared with what
 * the workers wrote themselves (frames, detections, matches), and one worker's /metrics passes `promtool check
 * metrics`.
 */
import { cpSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubectlPath } from '../../packages/apiserver/test/harness.js';
import { waitFor } from '../../packages/cli/test/harness.js';
import { httpGet } from '../common/prometheus-query.js';
import { controlPlaneTls, promtoolCheck, startPrometheus, type PrometheusServer } from '../common/prometheus-server.js';
import { useSednaUp } from '../common/sedna-up-fixture.js';
import { EXAMPLE_DIR } from './run.js';
import { runSearch } from './search.js';
import { ensureTestModel } from './test-support.js';

const up = useSednaUp({ name: 'multiedge-prom', edgeNodes: 2, exampleDir: EXAMPLE_DIR });
let prometheus: PrometheusServer | undefined;

const get = httpGet;
const query = (promql: string) => prometheus!.query(promql);
const scalar = (promql: string) => prometheus!.scalar(promql);

beforeAll(async () => {
  // The written configuration unchanged, but for a scrape every second.
  prometheus = await startPrometheus(up.dataDir);
}, 120_000);

afterAll(() => prometheus?.stop());

describe('multi-edge metrics scraped by Prometheus', () => {
  it('frames, detections, fps, latencies and matches of object search, equal to what the workers wrote', async () => {
    mkdirSync(join(up.workDir, 'models'), { recursive: true });
    cpSync(await ensureTestModel(), join(up.workDir, 'models'), { recursive: true });
    // keep: the service's workers run on (a service does not end), so Prometheus scrapes their final counters.
    const result = await runSearch({ kubeconfig: up.handle.kubeconfig, kubectl: kubectlPath(), workDir: up.workDir, mode: 'search', frames: 60, identities: 3, distractors: 1, fps: 10, realtime: false, matchThresh: 0.8, timeoutMs: 240_000, keep: true, log: () => undefined });
    expect(result.figures.hits).toBeGreaterThan(0);
    const sel = 'namespace="default",name="search"';
    for (const camera of ['camera-a', 'camera-b']) {
      const summary = JSON.parse(readFileSync(join(result.outDir, `summary-${camera}.json`), 'utf8')) as { frames: number; detections: number; fps: number };
      const cam = `${sel},camera="${camera}"`;
      await waitFor(`${camera}'s frames and detections scraped`, async () => {
        const frames = await scalar(`sedna_multi_edge_inference_frames_total{${cam}}`);
        const detections = await scalar(`sedna_multi_edge_inference_detections_total{${cam}}`);
        return frames === summary.frames && detections === summary.detections ? true : undefined;
      }, 60_000);
      expect(summary.frames).toBe(60);
      expect(await scalar(`sedna_multi_edge_inference_camera_fps{${cam}}`)).toBeGreaterThan(0);
      // One latency per frame whose boxes had features computed: the frames after the background's warm-up.
      expect(await scalar(`sedna_multi_edge_inference_frame_to_result_seconds_count{${cam}}`)).toBe(60 - 25);
      expect(await scalar(`sedna_multi_edge_inference_dropped_frames_total{${cam}}`)).toBe(0);
      expect(await scalar(`sedna_multi_edge_inference_uploaded_bytes_total{${cam}}`)).toBeGreaterThan(0);
    }
    // The ReID worker: every hit it sent the user worker is a match; every box it compared is counted.
    const hits = readFileSync(join(result.outDir, 'hits.jsonl'), 'utf8').split('\n').filter(Boolean).length;
    await waitFor('the matches scraped', async () => ((await scalar(`sum(sedna_multi_edge_inference_reid_matches_total{${sel}})`)) === hits ? true : undefined), 60_000);
    const detections = (await query(`sedna_multi_edge_inference_detections_total{${sel}}`)).reduce((n, s) => n + s.value, 0);
    // The last boxes may reach the ReID worker after its last match, and a scrape after that one: wait for them too.
    await waitFor('every box compared scraped', async () => ((await scalar(`sum(sedna_multi_edge_inference_reid_boxes_total{${sel}})`)) === detections ? true : undefined), 60_000);
    expect(await scalar(`sum(sedna_multi_edge_inference_identities{${sel}})`)).toBeGreaterThan(0);
    // Matches of boxes as they arrive are timed from capture; those of recent tracklets found by a new query are not.
    expect(await scalar(`sum(sedna_multi_edge_inference_capture_to_match_seconds_count{${sel}})`)).toBeLessThanOrEqual(hits);
    expect(await scalar(`sum(sedna_multi_edge_inference_messages_total{${sel},transport="rest",result="answered"})`)).toBeGreaterThan(0);
    expect(await scalar(`sum(sedna_multi_edge_inference_messages_total{${sel},result="rejected"})`)).toBe(0);
    // The GM serves the service's condition like any job's.
    await waitFor('the service\'s condition', async () => ((await scalar(`sedna_job_stage_condition{kind="ObjectSearchService",${sel},condition="Running"}`)) === 1 ? true : undefined), 30_000);

    // One camera worker's /metrics as Prometheus scraped it passes promtool.
    const workers = (await prometheus!.activeTargets()).filter((t) => t.labels['job'] === 'sedna-workers');
    expect(workers.length).toBe(4); // user worker, ReID worker, two tracking workers
    const tls = controlPlaneTls(up.dataDir);
    for (const target of workers) {
      const answer = await get(target.scrapeUrl, tls);
      expect(answer.status, target.scrapeUrl).toBe(200);
      const checked = promtoolCheck(answer.body);
      expect(checked.ok, `${target.scrapeUrl}: ${checked.output}`).toBe(true);
    }
  }, 360_000);
});
