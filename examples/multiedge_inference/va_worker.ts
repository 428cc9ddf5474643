/**
 * One camera's video analytics worker (VideoAnalyticsJob, edge): frames from `video_address` through ffmpeg at
 * `fps`, detection (the job's model: background subtraction for detector.json, the trained detector for an .onnx
 * file), IoU/Hungarian tracking (op_mode tracking; detection leaves tracklets at
 * -1), the boxes' crops sent up to the feature extractor (REST, or the broker's object_detection subject), the
 * features that come back to this camera forwarded to the ReID job. Writes `detections-<camera>.jsonl` (boxes,
 * tracks, features, latency) to output_dir, reports counters to its LC, and exits 0 when the source ends (1 when it
 * fails: the job's condition and Events say so).
 */
import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  brokerFromEnv,
  CameraError,
  featuresOf,
  frameSourceFromEnv,
  NatsClient,
  pluginEndpoint,
  RestClient,
  RestServer,
  ServiceQueue,
  serviceUpdateOf,
  WireError,
  wireSize,
  type ClientTransport,
  type DetTrackMessage,
} from '@sedna/lib/multi_edge_inference';
import { awaitFinalScrape, multiEdgeRecorder } from '@sedna/lib/metrics';
import { CameraPipeline } from './camera-pipeline.js';
import { OwnerKinds } from './owner-kinds.js';
import { log, outputDir, Reporter } from './worker-common.js';

const camera = process.env.video_id || process.env.JOB_NAME || 'camera';
const WHO = `va ${camera}`;
const pipeline = await CameraPipeline.fromEnv(camera, process.env.MODEL_URL);
const out = join(outputDir(), `detections-${camera}.jsonl`);
writeFileSync(out, '');
const reporter = new Reporter(OwnerKinds.va, WHO);
const metrics = multiEdgeRecorder();
const cameraMetrics = metrics.camera(camera);
const link = { results: 0, dropped: 0, failedSends: 0, bytesUp: 0, fps: 0 };
const counters = () => ({ ...pipeline.counters, ...link });
let lastError = '';

const namespace = process.env.NAMESPACE ?? 'default';
const broker = brokerFromEnv(process.env, (m) => log(WHO, m));
const pending = new Map<number, number>();

/** A result from the feature extractor: written out and forwarded to ReID. */
function onResult(message: DetTrackMessage): void {
  const f = featuresOf(message);
  const now = Date.now();
  link.results++;
  pending.delete(message.header.frame_index);
  if (message.header.capture_ms !== undefined) cameraMetrics.result(now - message.header.capture_ms);
  const line = {
    frame: message.header.frame_index,
    capture_ms: message.header.capture_ms,
    result_ms: now,
    boxes: message.header.bbox_coord.map((box, i) => ({ box, confidence: message.header.confidence[i], track: message.header.tracklets[i], feature: f ? Array.from(f.rows[i]!, (v) => Math.round(v * 1e4) / 1e4) : undefined })),
  };
  appendFileSync(out, JSON.stringify(line) + '\n');
  if (reid && message.header.bbox_coord.length > 0) {
    const bytes = wireSize(message);
    link.bytesUp += bytes;
    cameraMetrics.uploaded(bytes);
    reid.send(message).catch((err: unknown) => {
      link.failedSends++;
      lastError = `ReID: ${(err as Error).message}`;
    });
  }
}

// The source first: a camera that cannot be opened fails the worker before anything else is set up.
let source: ReturnType<typeof frameSourceFromEnv>;
try {
  source = frameSourceFromEnv();
} catch (err) {
  const reason = `camera failed: ${(err as Error).message}`;
  log(WHO, reason);
  await reporter.report({ ...counters(), lastError: reason }, 'failed', true);
  process.exit(1);
}
let fe: ClientTransport;
let reid: ClientTransport | undefined;
async function failed(reason: string): Promise<never> {
  log(WHO, reason);
  await reporter.report({ ...counters(), lastError: reason }, 'failed', true);
  process.exit(1);
}
if (broker) {
  const common = { broker, namespace, connectAttempts: Number(process.env.broker_attempts ?? 10), log: (m: string) => log(WHO, m) };
  const feClient = new NatsClient({ ...common, service: pluginEndpoint('Feature_Extraction_I').name, inTopic: 'object_detection', outTopic: 'enriched_object', camera }, onResult);
  await feClient.start().catch((err: unknown) => failed(`broker unreachable: ${(err as Error).message}`));
  fe = feClient;
  const reidClient = new NatsClient({ ...common, service: pluginEndpoint('ReID_I').name, inTopic: 'reid', outTopic: 'reid_result', camera }, undefined);
  await reidClient.start();
  reid = reidClient;
} else {
  fe = new RestClient(pluginEndpoint('Feature_Extraction_I').url, 'feature_extraction', 'feature_extraction', onResult);
  const reidUrl = process.env.REID_MODEL_BIND_URL ? pluginEndpoint('ReID_I').url : undefined;
  if (reidUrl) reid = new RestClient(reidUrl, 'reid', 'reid', () => undefined);
}
// The services must be up before the first frame goes out: over REST a frame sent earlier is lost; over the broker
// it would wait in the stream and its result come late. Both answer GET /<service>/status.
{
  const reidStatus = process.env.REID_MODEL_BIND_URL ? [['ReID', `${pluginEndpoint('ReID_I').url}/reid/status`]] : [];
  for (const [name, url] of [['feature extraction', `${pluginEndpoint('Feature_Extraction_I').url}/feature_extraction/status`], ...reidStatus] as [string, string][]) {
    const waitUntil = Date.now() + Number(process.env.service_wait_s ?? 180) * 1000;
    for (;;) {
      const ok = await fetch(url, { signal: AbortSignal.timeout(2000) }).then((r) => r.ok, () => false);
      if (ok) break;
      if (Date.now() > waitUntil) throw new Error(`the ${name} service at ${url} did not answer within service_wait_s`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}
log(WHO, `camera ${camera}: ${broker ? `broker ${broker.servers.join(', ')}` : 'REST'} to the feature extractor${reid ? ' and ReID' : ''}, op_mode ${pipeline.opMode}, detector ${pipeline.detectorKind}`);

// Frames wait here for the upload; when the link or broker cannot keep up, new ones are dropped and counted.
const uplink = new ServiceQueue<DetTrackMessage>({
  maxQueue: Number(process.env.max_queue ?? 32),
  timeoutMs: 5,
  // REST waits for each answer: a few requests in flight, so one slow answer does not hold the frames behind it
  // (over the broker a send is a publish and returns at once).
  concurrency: broker ? 1 : Number(process.env.uplink_concurrency ?? 3),
  process: async (batch) => {
    for (const m of batch) {
      const bytes = wireSize(m);
      link.bytesUp += bytes;
      cameraMetrics.uploaded(bytes);
      pending.set(m.header.frame_index, Date.now());
      await fe.send(m);
    }
  },
  onError: (err) => {
    link.failedSends++;
    lastError = `feature extraction: ${(err as Error).message}`;
    log(WHO, lastError);
  },
});

const endpoint = pluginEndpoint('VideoAnalytics');
// update_service (the original's update_operational_mode): switch between tracking and detection while running.
const updateService = async (message: DetTrackMessage) => {
  const update = serviceUpdateOf(message);
  if (update.op_mode === undefined || update.model_url !== undefined || update.queries) throw new WireError('update_service: video analytics takes extra.op_mode (tracking or detection) only');
  pipeline.opMode = update.op_mode;
  log(WHO, `op_mode is now ${pipeline.opMode}`);
  return { ...message, header: { ...message.header, extra: { op_mode: pipeline.opMode } } };
};
const status = new RestServer({ host: endpoint.host, port: endpoint.port, service: endpoint.service, routes: { update_service: updateService }, status: () => ({ camera, opMode: pipeline.opMode, ...counters(), lastError }) });
await status.listen().catch((err: unknown) => log(WHO, `status endpoint not served: ${(err as Error).message}`));
metrics.transport('rest', status.stats);

const started = Date.now();
let firstFrameAt: number | undefined;
let exitCode = 0;
try {
  for await (const frame of source.frames()) {
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
  // Results still on their way back (the broker delivers them asynchronously).
  const deadline = Date.now() + Number(process.env.result_wait_ms ?? 10000);
  while (pending.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  log(WHO, `source ended after ${pipeline.counters.frames} frames (${pipeline.counters.warmupFrames} to learn the background); ${link.results} results, ${link.dropped} dropped, ${pending.size} without a result`);
  await reporter.report({ ...counters(), missingResults: pending.size, ...(lastError ? { lastError } : {}) }, 'completed', true);
} catch (err) {
  exitCode = 1;
  const reason = err instanceof CameraError ? `camera failed: ${err.message}` : `failed: ${(err as Error).message}`;
  log(WHO, reason);
  await reporter.report({ ...counters(), lastError: reason }, 'failed', true);
}
summary();
// A scraper that has been reading this camera gets its final figures before the process (and its /metrics) ends.
log(WHO, `final metrics: ${await awaitFinalScrape()}`);
await fe.close();
await reid?.close();
await status.close();
process.exit(exitCode);

function summary(): void {
  writeFileSync(join(outputDir(), `summary-${camera}.json`), JSON.stringify({ camera, ...counters(), seconds: (Date.now() - started) / 1000, lastError }, null, 2));
}
