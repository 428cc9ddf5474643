/**
 * A ReID worker of ObjectSearchService / ObjectTrackingService (`reidWorkers`, in the cloud, behind the Service
 * `<name>-reidworker` on 9378): the tracking workers' boxes with their features come in on POST /reid/reid;
 * - tracking: each camera's tracklet gets a global identity kept across the cameras (the lib's SharedIdentities),
 *   written to identities.jsonl in output_dir;
 * - search (ObjectSearch: USERWORKER_URL is set): the user's targets are fetched from the user worker when they
 *   change; a box whose feature reaches the match threshold (`match_thresh` or `match_threshold`) is a hit, posted to
 *   the user worker with its camera, frame, box and time. New targets are also matched against the tracklets seen
 *   recently, so a query finds what the cameras saw before it was asked.
 * Several replicas share one gallery of identities when the service has a broker (BROKER_URL, which the GM gives the
 * ReID workers when the control plane has one: `sedna up --broker nats`): a JetStream key-value bucket written with
 * compare and set, so whichever replica a box reaches, a tracklet gets one identity and an object one across the
 * cameras. Without a broker each replica keeps its own (said in its log).
 */
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bestMatch, decodeMessage, featuresOf, identityStoreFromEnv, matchThresholdFromEnv, meanFeature, pluginEndpoint, RestServer, SharedIdentities, type DetTrackMessage } from '@sedna/lib/multi_edge_inference';
import { multiEdgeRecorder } from '@sedna/lib/metrics';
import { searchOwnerKind } from './owner-kinds.js';
import { log, outputDir, Reporter } from './worker-common.js';

const WHO = `reidworker ${process.env.WORKER_NAME ?? ''}`;
const threshold = matchThresholdFromEnv();
const reporter = new Reporter(searchOwnerKind(), WHO);
const metrics = multiEdgeRecorder();
const identities = new SharedIdentities(await identityStoreFromEnv(process.env, (m) => log(WHO, m)), threshold, Number(process.env.min_tracklet_features ?? '3'), (err) => log(WHO, `identities: ${err.message}`));
const counters = { messages: 0, boxes: 0, identities: 0, hits: 0, targets: 0, targetVersion: 0 };
const userWorker = process.env.USERWORKER_URL;
const dir = outputDir();

interface Sighting {
  camera: string;
  frame: number;
  track: number;
  box: [number, number, number, number];
  capture_ms: number | undefined;
}
interface Hit extends Sighting {
  target: number;
  score: number;
  hit_ms: number;
}
/** What each recent tracklet looked like and where it was last seen (bounded: the oldest go first). */
const recent = new Map<string, { features: Float32Array[]; last: Sighting }>();
const MAX_RECENT = Number(process.env.recent_tracklets ?? '500');
let targets: Float32Array[] = [];
let pendingHits: Hit[] = [];

function remember(s: Sighting, feature: Float32Array): void {
  const key = `${s.camera}/${s.track}`;
  const entry = recent.get(key) ?? { features: [], last: s };
  if (entry.features.length < 20) entry.features.push(feature);
  entry.last = s;
  recent.delete(key);
  recent.set(key, entry);
  if (recent.size > MAX_RECENT) recent.delete(recent.keys().next().value!);
}

/** `live`: the box just arrived (its capture-to-match time is measured); else a recent tracklet matched by new targets. */
function hit(s: Sighting, feature: Float32Array, live = true): void {
  const m = bestMatch(feature, targets, threshold);
  if (m.index < 0) return;
  counters.hits++;
  metrics.match(live && s.capture_ms !== undefined ? Date.now() - s.capture_ms : undefined);
  pendingHits.push({ ...s, target: m.index, score: Math.round(m.score * 1e4) / 1e4, hit_ms: Date.now() });
}

async function onBoxes(message: DetTrackMessage): Promise<undefined> {
  counters.messages++;
  const f = featuresOf(message);
  if (!f) return undefined;
  const { camera, frame_index: frame, capture_ms } = message.header;
  message.header.bbox_coord.forEach((box, i) => {
    counters.boxes++;
    const feature = f.rows[i]!;
    const track = message.header.tracklets[i]!;
    const s: Sighting = { camera, frame, track, box, capture_ms };
    if (track >= 0) {
      identities.add(camera, track, feature);
      remember(s, feature);
    }
    if (targets.length > 0) hit(s, feature);
  });
  counters.identities = identities.count;
  metrics.reidBoxes(message.header.bbox_coord.length);
  metrics.identities(identities.count);
  void reporter.report({ ...counters });
  return undefined;
}

/** ObjectSearch: the user's targets, when their version changed; new ones are matched against the recent tracklets. */
async function refreshTargets(): Promise<void> {
  const res = await fetch(`http://${userWorker}/user/targets`, { signal: AbortSignal.timeout(5000) });
  if (res.status === 204) return;
  if (!res.ok) throw new Error(`the user worker answered ${res.status}`);
  const message = decodeMessage(new Uint8Array(await res.arrayBuffer()));
  const version = Number((message.header.extra ?? {})['version'] ?? 0);
  if (version === counters.targetVersion) return;
  targets = featuresOf(message)?.rows ?? [];
  counters.targets = targets.length;
  counters.targetVersion = version;
  log(WHO, `${targets.length} target(s) of user ${message.header.userID ?? '?'} (version ${version}); matching the ${recent.size} recent tracklets`);
  for (const { features, last } of recent.values()) hit(last, meanFeature(features), false);
}

async function flushHits(): Promise<void> {
  if (pendingHits.length === 0) return;
  const batch = pendingHits;
  pendingHits = [];
  const res = await fetch(`http://${userWorker}/user/hits`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(batch), signal: AbortSignal.timeout(5000) });
  if (!res.ok) {
    pendingHits = [...batch, ...pendingHits].slice(-10_000); // kept for the next attempt, bounded
    throw new Error(`the user worker refused the hits: ${res.status}`);
  }
}

let writtenText = '';
const identitiesText = (): string => identities.lines().map((l) => JSON.stringify(l)).join('\n') + '\n';
/** identities.jsonl from the gallery as last read (every replica writes the same shared gallery; renamed into place whole). */
function writeIdentities(): void {
  const text = identitiesText();
  if (text === writtenText) return;
  const path = join(dir, 'identities.jsonl');
  writeFileSync(`${path}.${process.pid}`, text);
  renameSync(`${path}.${process.pid}`, path);
  writtenText = text;
}

const endpoint = pluginEndpoint('ReID_Server');
const rest = new RestServer({ host: endpoint.host, port: endpoint.port, service: 'reid', routes: { reid: onBoxes }, status: () => ({ ...counters, recentTracklets: recent.size, pendingHits: pendingHits.length, tracklets: identities.tracklets, assignedTracklets: identities.assigned, assigning: identities.pending, identitiesWritten: writtenText === identitiesText() }), log: (m) => log(WHO, m) });
await rest.listen();
metrics.transport('rest', rest.stats);
log(WHO, `serving /reid on ${endpoint.port}${userWorker ? `; targets from and hits to the user worker at ${userWorker}` : ' (tracking only)'}`);
await reporter.report({ ...counters }, 'running', true);
let lastError = '';
setInterval(() => {
  // The other replicas' assignments too: the gallery read again.
  identities
    .refresh()
    .then(() => {
      counters.identities = identities.count;
      metrics.identities(identities.count);
      writeIdentities();
    })
    .catch((err: unknown) => log(WHO, `identities: ${(err as Error).message}`));
  if (!userWorker) return;
  refreshTargets()
    .then(flushHits)
    .then(() => (lastError = ''))
    .catch((err: unknown) => {
      const message = (err as Error).message;
      if (message !== lastError) log(WHO, `user worker: ${message}`);
      lastError = message;
    });
}, Number(process.env.sync_ms ?? '500'));
process.on('SIGTERM', () => {
  void identities
    .finish()
    .then(writeIdentities, () => undefined)
    .then(() => rest.close())
    .then(() => process.exit(0));
});
