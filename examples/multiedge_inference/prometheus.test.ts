/**
 * The multi-edge metrics as a user meets them: Debian's real `prometheus` runs with the prometheus.yml `sedna up`
 * wrote (file-based discovery finds the workers as they come) while the object search example runs on a slice of the
 * synthetic scenario. The workers' figures are read back through Prometheus' HTTP query API and compared with what
 * the workers wrote themselves (frames, detections, matches), and one worker's /metrics passes `promtool check
 * metrics`.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubectlPath } from '../../packages/apiserver/test/harness.js';
import { readControlPlaneInfo } from '../../packages/cli/src/paths.js';
import { waitFor } from '../../packages/cli/test/harness.js';
import { httpGet, promQuery, promScalar } from '../common/prometheus-query.js';
import { useSednaUp } from '../common/sedna-up-fixture.js';
import { freePort } from '../common/worker-process.js';
import { EXAMPLE_DIR } from './run.js';
import { runSearch } from './search.js';
import { ensureTestModel } from './test-support.js';

const up = useSednaUp({ name: 'multiedge-prom', edgeNodes: 2, exampleDir: EXAMPLE_DIR });
let promDir: string;
let prometheus: ChildProcess | undefined;
let promUrl: string;

const get = httpGet;
const query = (promql: string) => promQuery(promUrl, promql);
const scalar = (promql: string) => promScalar(promUrl, promql);

beforeAll(async () => {
  promDir = mkdtempSync(join(tmpdir(), 'sedna-multiedge-prom-'));
  const info = readControlPlaneInfo(up.dataDir)!;
  // The written configuration unchanged, but for a scrape every second.
  writeFileSync(join(promDir, 'prometheus.yml'), readFileSync(info.prometheusConfig!, 'utf8').replaceAll('5s', '1s'));
  const port = await freePort();
  promUrl = `http://127.0.0.1:${port}`;
  prometheus = spawn('prometheus', [`--config.file=${join(promDir, 'prometheus.yml')}`, `--web.listen-address=127.0.0.1:${port}`, `--storage.tsdb.path=${join(promDir, 'data')}`], { stdio: 'ignore' });
  await waitFor('prometheus ready', async () => ((await get(`${promUrl}/-/ready`).catch(() => ({ status: 0 }))).status === 200 ? true : undefined), 60_000);
}, 120_000);

afterAll(() => {
  prometheus?.kill();
  if (promDir) rmSync(promDir, { recursive: true, force: true });
});

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
    expect(await scalar(`sum(sedna_multi_edge_inference_reid_boxes_total{${sel}})`)).toBe(detections);
    expect(await scalar(`sum(sedna_multi_edge_inference_identities{${sel}})`)).toBeGreaterThan(0);
    // Matches of boxes as they arrive are timed from capture; those of recent tracklets found by a new query are not.
    expect(await scalar(`sum(sedna_multi_edge_inference_capture_to_match_seconds_count{${sel}})`)).toBeLessThanOrEqual(hits);
    expect(await scalar(`sum(sedna_multi_edge_inference_messages_total{${sel},transport="rest",result="answered"})`)).toBeGreaterThan(0);
    expect(await scalar(`sum(sedna_multi_edge_inference_messages_total{${sel},result="rejected"})`)).toBe(0);
    // The GM serves the service's condition like any job's.
    await waitFor('the service\'s condition', async () => ((await scalar(`sedna_job_stage_condition{kind="ObjectSearchService",${sel},condition="Running"}`)) === 1 ? true : undefined), 30_000);

    // One camera worker's /metrics as Prometheus scraped it passes promtool.
    const targets = JSON.parse((await get(`${promUrl}/api/v1/targets`)).body) as { data: { activeTargets: { scrapeUrl: string; labels: Record<string, string>; health: string }[] } };
    const workers = targets.data.activeTargets.filter((t) => t.labels['job'] === 'sedna-workers');
    expect(workers.length).toBe(4); // user worker, ReID worker, two tracking workers
    const info = readControlPlaneInfo(up.dataDir)!;
    const pki = join(up.dataDir, 'apiserver', 'pki');
    const tls = { ca: readFileSync(info.caFile, 'utf8'), cert: readFileSync(join(pki, 'control-plane-client.crt'), 'utf8'), key: readFileSync(join(pki, 'control-plane-client.key'), 'utf8') };
    for (const target of workers) {
      const answer = await get(target.scrapeUrl, tls);
      expect(answer.status, target.scrapeUrl).toBe(200);
      const checked = spawnSync('promtool', ['check', 'metrics'], { input: answer.body, encoding: 'utf8' });
      expect(checked.status, `${target.scrapeUrl}: ${checked.stdout}${checked.stderr}`).toBe(0);
    }
  }, 360_000);
});
