/**
 * The ReID job (ReidJob, cloud), on the fly instead of the original's batch over pickles on a shared folder:
 * - object search: the user's query images (`query_images`, `|`-separated) become target features through the
 *   feature extractor's get_target_features; every box that reaches `match_thresh` (or `match_threshold`) is a hit,
 *   written to hits.jsonl with the camera, frame and box;
 * - object tracking: each camera's tracklet gets a global identity, matched across cameras by the cosine of the
 *   tracklets' mean features (identities.jsonl).
 * Input: enriched objects over REST (POST /reid/reid) or the broker's `reid` subject. Ends (exit 0) after
 * `idle_timeout` seconds without input once input has arrived.
 */
import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  bestMatch,
  brokerFromEnv,
  featuresOf,
  matchThresholdFromEnv,
  MemoryIdentityStore,
  NatsServer,
  pluginEndpoint,
  RestClient,
  RestRequestError,
  RestServer,
  serviceUpdateMessage,
  serviceUpdateOf,
  SharedIdentities,
  WireError,
  type Crop,
  type DetTrackMessage,
} from '@sedna/lib/multi_edge_inference';
import { awaitFinalScrape, multiEdgeRecorder } from '@sedna/lib/metrics';
import { OwnerKinds } from './owner-kinds.js';
import { log, outputDir, readImage, Reporter } from './worker-common.js';

const WHO = `reid ${process.env.WORKER_NAME ?? ''}`;
const threshold = matchThresholdFromEnv();
const userId = process.env.user_id ?? 'DEFAULT';
const idleMs = Number(process.env.idle_timeout ?? '20') * 1000;
const dir = outputDir();
const hitsFile = join(dir, 'hits.jsonl');
writeFileSync(hitsFile, '');
const reporter = new Reporter(OwnerKinds.reid, WHO);
const metrics = multiEdgeRecorder();
const counters = { messages: 0, boxes: 0, hits: 0, identities: 0, targets: 0 };

// The targets: query images through the feature extractor (the original's update_plugin/get_target_features).
const fe = new RestClient(pluginEndpoint('Feature_Extraction_I').url, 'feature_extraction', 'get_target_features', () => undefined);
let targets: Float32Array[] = [];
let user = userId;
let queryRegistered = Date.now();

/** The features of query images; `attempts` > 1 while the feature extractor may still be starting. */
async function targetFeatures(crops: Crop[], forUser: string, attempts: number): Promise<Float32Array[]> {
  const query = serviceUpdateMessage({ queries: crops, userID: forUser });
  for (let attempt = 1; ; attempt++) {
    try {
      const answer = await fe.call(query);
      return answer ? (featuresOf(answer)?.rows ?? []) : [];
    } catch (err) {
      // 4xx: the query itself is wrong (e.g. no object in an image): no use retrying.
      if (err instanceof RestRequestError && err.status < 500) throw new WireError(`the query was refused: ${err.message}`);
      if (attempt >= attempts) throw err;
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

function setTargets(rows: Float32Array[], forUser: string): void {
  targets = rows;
  user = forUser;
  queryRegistered = Date.now();
  counters.targets = targets.length;
  log(WHO, `${targets.length} target(s) for user ${forUser}, match threshold ${threshold}`);
}

const queryPaths = (process.env.query_images ?? '').split('|').map((s) => s.trim()).filter(Boolean);
if (queryPaths.length > 0) {
  try {
    setTargets(await targetFeatures(queryPaths.map((p) => readImage(p)), userId, 120), userId);
  } catch (err) {
    if (!(err instanceof WireError)) throw err;
    log(WHO, err.message);
    await reporter.report({ ...counters, lastError: err.message }, 'failed', true);
    process.exit(2);
  }
}

/** update_service (the original's update_operational_mode): the user's new query images replace the targets. */
async function updateService(message: DetTrackMessage): Promise<DetTrackMessage> {
  const update = serviceUpdateOf(message);
  if (!update.queries || update.model_url !== undefined || update.op_mode !== undefined) throw new WireError('update_service: ReID takes query images (crop attachments, with userID) only');
  const forUser = update.userID ?? user;
  setTargets(await targetFeatures(update.queries, forUser, 1), forUser);
  void reporter.report({ ...counters });
  return { ...message, header: { ...message.header, extra: { targets: targets.length, userID: forUser } } };
}

// Cross-camera identities: the job is one worker, its gallery in its memory.
const identities = new SharedIdentities(new MemoryIdentityStore(), threshold, Number(process.env.min_tracklet_features ?? '3'), (err) => log(WHO, `identities: ${err.message}`));

let lastInput = 0;
async function onEnriched(message: DetTrackMessage): Promise<undefined> {
  lastInput = Date.now();
  counters.messages++;
  const f = featuresOf(message);
  if (!f) return undefined;
  message.header.bbox_coord.forEach((box, i) => {
    counters.boxes++;
    const feature = f.rows[i]!;
    const track = message.header.tracklets[i]!;
    if (track >= 0) identities.add(message.header.camera, track, feature);
    if (targets.length > 0) {
      const m = bestMatch(feature, targets, threshold);
      if (m.index >= 0) {
        counters.hits++;
        metrics.match(message.header.capture_ms !== undefined ? Date.now() - message.header.capture_ms : undefined);
        appendFileSync(hitsFile, JSON.stringify({ user, target: m.index, score: Math.round(m.score * 1e4) / 1e4, camera: message.header.camera, frame: message.header.frame_index, track, box, capture_ms: message.header.capture_ms, hit_ms: Date.now(), query_ms: queryRegistered }) + '\n');
      }
    }
  });
  counters.identities = identities.count;
  metrics.reidBoxes(message.header.bbox_coord.length);
  metrics.identities(identities.count);
  void reporter.report({ ...counters });
  return undefined;
}

const endpoint = pluginEndpoint('ReID_Server');
const rest = new RestServer({ host: endpoint.host, port: endpoint.port, service: 'reid', routes: { reid: onEnriched, update_service: updateService }, status: () => ({ ...counters }), log: (m) => log(WHO, m) });
await rest.listen();
metrics.transport('rest', rest.stats);
const broker = brokerFromEnv(process.env, (m) => log(WHO, m));
let nats: NatsServer | undefined;
if (broker) {
  nats = new NatsServer({ broker, namespace: process.env.NAMESPACE ?? 'default', service: endpoint.name, inTopic: 'reid', outTopic: 'reid_result', log: (m) => log(WHO, m) }, onEnriched);
  await nats.start();
  metrics.transport('nats', nats.stats);
}
log(WHO, `listening for enriched objects (${broker ? 'broker and ' : ''}REST on ${endpoint.port}); ends ${idleMs / 1000} s after the last one`);
await reporter.report({ ...counters }, 'running', true);

const startLimitMs = Number(process.env.start_timeout ?? '300') * 1000;
const startedAt = Date.now();
await new Promise<void>((resolve) => {
  const timer = setInterval(() => {
    if (lastInput === 0 && Date.now() - startedAt > startLimitMs) {
      log(WHO, `no enriched objects arrived within ${startLimitMs / 1000} s (start_timeout): are the cameras running and pointed at this job?`);
      void reporter.report({ ...counters, lastError: 'no input within start_timeout' }, 'failed', true).then(() => process.exit(1));
    }
    if (lastInput > 0 && Date.now() - lastInput > idleMs) {
      clearInterval(timer);
      resolve();
    }
  }, 200);
});
await identities.finish();
counters.identities = identities.count;
metrics.identities(identities.count);
writeFileSync(join(dir, 'identities.jsonl'), identities.lines().map((l) => JSON.stringify(l)).join('\n') + '\n');
log(WHO, `done: ${counters.messages} messages, ${counters.boxes} boxes, ${counters.hits} hits, ${counters.identities} identities across cameras`);
await reporter.report({ ...counters }, 'completed', true);
// A scraper that has been reading this worker gets its final figures before the process (and its /metrics) ends.
log(WHO, `final metrics: ${await awaitFinalScrape()}`);
await nats?.close();
await rest.close();
process.exit(0);
