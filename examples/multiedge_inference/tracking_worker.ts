/**
 * A tracking worker of ObjectSearchService / ObjectTrackingService (one per `trackingWorkers[i]`, on an edge): its
 * camera (`video_address` through ffmpeg at `fps`), the same detection and tracking as the video analytics job
 * (camera-pipeline.ts), and the boxes' ReID features computed here on the edge with the example's extractor
 * (`MODEL_URL` in the template's env: these kinds have no model field), sent to the ReID workers behind their
 * Service (EDGEMESH_URL, host:port, as the original names it). Writes `detections-<camera>.jsonl` and
 * `summary-<camera>.json` to output_dir. A service's worker runs on: when its source ends it reports so and idles
 * (a live camera would not end; a replaced worker would replay a file).
 */
import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CameraError, cropsOf, featuresOf, frameSourceFromEnv, RestClient, ServiceQueue, wireSize, withFeatures, type DetTrackMessage } from '@sedna/lib/multi_edge_inference';
import { multiEdgeRecorder } from '@sedna/lib/metrics';
import { CameraPipeline } from './camera-pipeline.js';
import { FeatureExtractor } from './embedder.js';
import { searchOwnerKind } from './owner-kinds.js';
import { log, outputDir, Reporter } from './worker-common.js';

const camera = process.env.video_id || process.env.WORKER_NAME || 'camera';
const WHO = `tracking ${camera}`;
const reporter = new Reporter(searchOwnerKind(), WHO);
const link = { sent: 0, dropped: 0, failedSends: 0, bytesUp: 0, fps: 0 };
const pipeline = await CameraPipeline.fromEnv(camera, process.env.detector_model);
const cameraMetrics = multiEdgeRecorder().camera(camera);
const counters = () => ({ ...pipeline.counters, ...link });
let lastError = '';

async function fail(reason: string): Promise<never> {
  log(WHO, reason);
  await reporter.report({ ...counters(), lastError: reason }, 'failed', true);
  process.exit(1);
}

const model = process.env.MODEL_URL;
if (!model) await fail('MODEL_URL is not set: the tracking worker computes the ReID features on the edge and needs the extractor (set it in the template env)');
const reidAddress = process.env.EDGEMESH_URL;
if (!reidAddress) await fail('EDGEMESH_URL is not set: the ReID workers\' Service (host:port) comes from the ObjectSearch/ObjectTracking controller');
// Several ReID replicas each on its own port (embedded mode): every one's address, the boxes spread over them in turn.
const reidAddresses = (process.env.EDGEMESH_URLS ?? '').split(',').map((a) => a.trim()).filter(Boolean);
if (reidAddresses.length === 0) reidAddresses.push(reidAddress!);
let source: ReturnType<typeof frameSourceFromEnv>;
try {
  source = frameSourceFromEnv();
} catch (err) {
  await fail(`camera failed: ${(err as Error).message}`);
}
const extractor = new FeatureExtractor();
await extractor.load(model!);
const reids = reidAddresses.map((a) => new RestClient(`http://${a}`, 'reid', 'reid', () => undefined));
let turn = 0;
// The ReID workers must answer before the first box goes out: a box sent earlier is lost.
for (const address of reidAddresses) {
  for (const deadline = Date.now() + Number(process.env.service_wait_s ?? 180) * 1000; ; ) {
    if (await fetch(`http://${address}/reid/status`, { signal: AbortSignal.timeout(2000) }).then((r) => r.ok, () => false)) break;
    if (Date.now() > deadline) await fail(`the ReID worker at ${address} did not answer within service_wait_s`);
    await new Promise((r) => setTimeout(r, 500));
  }
}
const out = join(outputDir(), `detections-${camera}.jsonl`);
writeFileSync(out, '');

// Boxes wait here for the ReID workers; when they cannot keep up, new frames are dropped and counted.
const uplink = new ServiceQueue<DetTrackMessage>({
  maxQueue: Number(process.env.max_queue ?? 32),
  timeoutMs: 5,
  process: async (batch) => {
    for (const m of batch) {
      const features = await extractor.embedCrops(cropsOf(m), false);
      const enriched = withFeatures(m, features, extractor.dim);
      const f = featuresOf(enriched);
      if (m.header.capture_ms !== undefined) cameraMetrics.result(Date.now() - m.header.capture_ms);
      appendFileSync(out, JSON.stringify({ frame: m.header.frame_index, capture_ms: m.header.capture_ms, result_ms: Date.now(), boxes: m.header.bbox_coord.map((box, i) => ({ box, confidence: m.header.confidence[i], track: m.header.tracklets[i], feature: f ? Array.from(f.rows[i]!, (v) => Math.round(v * 1e4) / 1e4) : undefined })) }) + '\n');
      if (m.header.bbox_coord.length === 0) continue;
      const bytes = wireSize(enriched);
      link.bytesUp += bytes;
      cameraMetrics.uploaded(bytes);
      await reids[turn++ % reids.length]!.send(enriched);
      link.sent++;
    }
  },
  onError: (err) => {
    link.failedSends++;
    lastError = `ReID workers: ${(err as Error).message}`;
    log(WHO, lastError);
  },
});

log(WHO, `camera ${camera}: features on the edge, to the ReID workers at ${reidAddresses.join(', ')}, detector ${pipeline.detectorKind}`);
const started = Date.now();
let firstFrameAt: number | undefined;
try {
  for await (const frame of source!.frames()) {
    firstFrameAt ??= Date.now();
    const message = await pipeline.process(frame);
    cameraMetrics.frame(message?.header.bbox_coord.length ?? 0);
    if (!message) continue;
    if (!uplink.put(message)) {
      link.dropped++;
      cameraMetrics.dropped();
    }
    // Frames per second since the first frame (ffmpeg's start is not the camera's rate).
    if (pipeline.counters.frames > 1) link.fps = Math.round(((pipeline.counters.frames - 1) / ((Date.now() - firstFrameAt) / 1000)) * 100) / 100;
    cameraMetrics.fps(link.fps);
    void reporter.report({ ...counters(), ...(lastError ? { lastError } : {}) });
  }
  await uplink.drain();
  log(WHO, `source ended after ${pipeline.counters.frames} frames; ${link.sent} messages to ReID, ${link.dropped} dropped; idle now`);
  await reporter.report({ ...counters(), sourceEnded: true, ...(lastError ? { lastError } : {}) }, 'completed', true);
} catch (err) {
  await fail(err instanceof CameraError ? `camera failed: ${err.message}` : `failed: ${(err as Error).message}`);
}
writeFileSync(join(outputDir(), `summary-${camera}.json`), JSON.stringify({ camera, ...counters(), seconds: (Date.now() - started) / 1000, lastError }, null, 2));
setInterval(() => undefined, 60_000);
process.on('SIGTERM', () => process.exit(0));
