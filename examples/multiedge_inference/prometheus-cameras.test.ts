/**
 * The cameras' and the feature extractor's metrics as a user meets them: Debian's real `prometheus` runs with the
 * prometheus.yml `sedna up` wrote (file-based discovery finds the workers as they come and go) while the multi-edge
 * example runs on a slice: two VideoAnalyticsJobs (one camera each, on two edge nodes) send their crops to the
 * FeatureExtractionService in the cloud. The figures read back through Prometheus' HTTP query API equal what the
 * workers wrote themselves: each camera's frames, detections, fps, results, drops and bytes up (its summary file,
 * written as it ends: a camera waits for a last scrape before it exits, so its final counters are stored), and the
 * extractor's feature extractions (the counters it reports to its LC, and the boxes the cameras got features for).
 * Every worker's /metrics, read while it runs, passes `promtool check metrics`.
 */
import { cpSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubectlPath } from '../../packages/apiserver/test/harness.js';
import { waitFor } from '../../packages/cli/test/harness.js';
import { httpGet, type HttpAnswer } from '../common/prometheus-query.js';
import { controlPlaneTls, promtoolCheck, startPrometheus, type PrometheusServer } from '../common/prometheus-server.js';
import { useSednaUp } from '../common/sedna-up-fixture.js';
import { EXAMPLE_DIR, runScenario } from './run.js';
import { ensureTestModel } from './test-support.js';

const up = useSednaUp({ name: 'multiedge-cameras-prom', edgeNodes: 2, exampleDir: EXAMPLE_DIR });
let prometheus: PrometheusServer | undefined;
const scalar = (promql: string) => prometheus!.scalar(promql);
/** A counter or gauge of a worker that may have ended: its last value stored (an ended target's series are stale now). */
const last = (selector: string) => scalar(`last_over_time(${selector}[10m])`);

beforeAll(async () => {
  prometheus = await startPrometheus(up.dataDir);
}, 120_000);

afterAll(() => prometheus?.stop());

/** Reads every worker target's /metrics once, while it runs (a camera's is gone when its job ends). */
function readWorkersWhileTheyRun(tls: ReturnType<typeof controlPlaneTls>): { stop(): Promise<Map<string, HttpAnswer>> } {
  const read = new Map<string, HttpAnswer>();
  let running = true;
  const loop = (async () => {
    while (running) {
      const targets = await prometheus!.activeTargets().catch(() => []);
      for (const t of targets) {
        if (t.labels['job'] !== 'sedna-workers' || read.has(t.scrapeUrl)) continue;
        const answer = await httpGet(t.scrapeUrl, tls).catch((err: unknown) => ({ status: 0, body: String(err) }));
        if (answer.status === 200) read.set(t.scrapeUrl, answer);
      }
      await new Promise((r) => setTimeout(r, 300));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return read;
    },
  };
}

interface CameraSummary {
  frames: number;
  detections: number;
  results: number;
  dropped: number;
  bytesUp: number;
  fps: number;
}

describe('multi-edge metrics of video analytics and feature extraction scraped by Prometheus', () => {
  it("each camera's frames, detections and fps, and the feature extractions, equal to what the workers wrote", async () => {
    mkdirSync(join(up.workDir, 'models'), { recursive: true });
    cpSync(await ensureTestModel(), join(up.workDir, 'models'), { recursive: true });
    const reader = readWorkersWhileTheyRun(controlPlaneTls(up.dataDir));
    // realtime: the cameras read the video at its pace (6 s), so Prometheus finds and scrapes them while they run.
    // keep: the feature extraction service runs on after the jobs, so its final counters are scraped too.
    const result = await runScenario({ kubeconfig: up.handle.kubeconfig, kubectl: kubectlPath(), workDir: up.workDir, transport: 'rest', frames: 60, identities: 3, distractors: 1, fps: 10, realtime: true, trainSteps: 60, matchThresh: 0.8, timeoutMs: 240_000, keep: true, log: () => undefined });
    const endpoints = await reader.stop();

    const cameras = { 'camera-a': 'video-analytics-a', 'camera-b': 'video-analytics-b' };
    let boxesWithFeatures = 0;
    let framesWithResults = 0;
    for (const [camera, job] of Object.entries(cameras)) {
      const summary = JSON.parse(readFileSync(join(result.outDir, `summary-${camera}.json`), 'utf8')) as CameraSummary;
      expect(summary.frames).toBe(60);
      expect(summary.results).toBeGreaterThan(0);
      const cam = `{namespace="default",name="${job}",camera="${camera}"}`;
      expect(await last(`sedna_multi_edge_inference_frames_total${cam}`), `${camera}'s frames`).toBe(summary.frames);
      expect(await last(`sedna_multi_edge_inference_detections_total${cam}`), `${camera}'s detections`).toBe(summary.detections);
      expect(await last(`sedna_multi_edge_inference_camera_fps${cam}`), `${camera}'s fps`).toBe(summary.fps);
      expect(await last(`sedna_multi_edge_inference_frame_to_result_seconds_count${cam}`), `${camera}'s results`).toBe(summary.results);
      expect(await last(`sedna_multi_edge_inference_dropped_frames_total${cam}`), `${camera}'s drops`).toBe(summary.dropped);
      expect(await last(`sedna_multi_edge_inference_uploaded_bytes_total${cam}`), `${camera}'s bytes up`).toBe(summary.bytesUp);
      // The boxes whose features came back to this camera (its results file, one line a frame).
      const lines = readFileSync(join(result.outDir, `detections-${camera}.jsonl`), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { boxes: unknown[] });
      framesWithResults += lines.length;
      boxesWithFeatures += lines.reduce((n, l) => n + l.boxes.length, 0);
      // The GM serves the job's condition like any job's: the ended job's last one.
      const status = (result.status['va'] as Record<string, { conditions: { type: string }[] }>)[job]!;
      const condition = status.conditions.at(-1)!.type;
      await waitFor(`${job}'s condition ${condition}`, async () => ((await scalar(`sedna_job_stage_condition{kind="VideoAnalyticsJob",namespace="default",name="${job}",condition="${condition}"}`)) === 1 ? true : undefined), 30_000);
    }

    // The feature extractor: every box the cameras sent was turned into a feature, one extraction call a frame.
    const fe = 'namespace="default",name="feature-extraction"';
    await waitFor('the feature extractions scraped', async () => ((await scalar(`sedna_multi_edge_inference_extracted_features_total{${fe}}`)) === boxesWithFeatures ? true : undefined), 30_000);
    expect(await scalar(`sedna_multi_edge_inference_feature_extraction_seconds_count{${fe}}`)).toBe(framesWithResults);
    expect(await scalar(`sedna_multi_edge_inference_messages_total{${fe},transport="rest",result="answered"}`)).toBeGreaterThanOrEqual(framesWithResults);
    expect(await scalar(`sedna_multi_edge_inference_messages_total{${fe},transport="rest",result="rejected"}`)).toBe(0);
    // ... and equal to the counters it reported to its LC (the service's status.metrics).
    const kubectl = (args: string[]) => up.run(kubectlPath(), ['--kubeconfig', up.handle.kubeconfig, ...args]);
    await waitFor("the extractor's reported counters", async () => {
      const status = JSON.parse((await kubectl(['get', 'fe', 'feature-extraction', '-o', 'json'])).out) as { status?: { metrics?: { key: string; value: string }[] } };
      const reported = Object.fromEntries((status.status?.metrics ?? []).map((m) => [m.key, Number(m.value)]));
      return reported['boxes'] === boxesWithFeatures && reported['messages'] === framesWithResults ? true : undefined;
    }, 30_000);

    // The cameras stayed for a last scrape before they exited (their final counters are what was compared above).
    for (const job of Object.values(cameras)) {
      const logs = await kubectl(['logs', '-l', `videoanalyticsjob.sedna.io/name=${job}`]);
      expect(logs.out).toContain('final metrics: scraped');
    }

    // Every worker's /metrics, as read while it ran, passes promtool: both cameras, the extractor, the ReID job.
    const pods = [...endpoints.keys()].map((url) => /\/pods\/[^/]+\/([^/]+)\/metrics$/.exec(new URL(url).pathname)?.[1] ?? url);
    for (const job of [...Object.values(cameras), 'feature-extraction', 'reid']) expect(pods.some((p) => p.startsWith(job)), `${job}'s pod in ${pods.join(', ')}`).toBe(true);
    for (const [url, answer] of endpoints) {
      const checked = promtoolCheck(answer.body);
      expect(checked.ok, `${url}: ${checked.output}`).toBe(true);
    }
  }, 300_000);
});
