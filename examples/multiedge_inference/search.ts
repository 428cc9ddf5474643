/**
 * Object search and object tracking on a control plane (`sedna up --edge-nodes 2`), on the synthetic scenario: applies
 * object_search.yaml (or object_tracking.yaml), posts the user's query images to the user worker (search), waits
 * until both cameras' tracking workers have sent everything and the ReID worker has taken it in, and scores what the
 * workers wrote with the example's evaluation (evaluate.ts) plus the precision of the cross-camera identities.
 *
 *   node --import tsx examples/multiedge_inference/search.ts --kubeconfig .sedna/apiserver/kubeconfig [--tracking]
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { defaultKubectl, kubectlRunner, type Kubectl } from '../common/kubectl.js';
import { cropAttachment, encodeMessage, WIRE_CONTENT_TYPE, type DetTrackMessage } from '@sedna/lib/multi_edge_inference';
import { evaluate, readDetections, readGt, type Figures } from './evaluate.js';
import { trainFeatureExtractor } from './embedder-train.js';
import { MODEL_FILE } from './embedder.js';
import { tracklets } from './metrics.js';
import { EXAMPLE_DIR, renderManifest } from './run.js';
import { writeScenario } from './scenario-files.js';
import { readImage } from './worker-common.js';
import { waitUntil } from '@sedna/api/runtime';

export interface SearchOptions {
  kubeconfig: string;
  kubectl?: string;
  workDir: string;
  mode: 'search' | 'tracking';
  frames: number;
  identities: number;
  distractors: number;
  fps: number;
  realtime: boolean;
  matchThresh: number;
  timeoutMs: number;
  /** ReID worker replicas (default 1); several share their identities through the control plane's broker. */
  reidReplicas?: number;
  keep?: boolean;
  log?: (line: string) => void;
}

export interface SearchResult {
  figures: Figures & { identity_precision: number; cross_camera_links: number; hits_correct: number };
  outDir: string;
  queryIds: number[];
  /** The ObjectSearchService's / ObjectTrackingService's status once done. */
  status: { conditions?: { type: string }[]; active?: number };
  /** Messages each ReID replica took in. */
  reidMessages: number[];
}

const CAMERAS = ['camera-a', 'camera-b'];

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- kubectl's JSON, read field by field
async function getJson(kubectl: Kubectl, args: string[]): Promise<any> {
  const r = await kubectl(['get', ...args, '-o', 'json']);
  if (r.code !== 0) throw new Error(`kubectl get ${args.join(' ')}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

const until = <T>(what: string, deadline: number, check: () => Promise<T | undefined>): Promise<T> => waitUntil(what, check, { timeoutMs: Math.max(0, deadline - Date.now()), intervalMs: 500 });

/** Of the tracklet pairs the ReID worker linked across the cameras, the share that are the same object. */
export function identityPrecision(outDir: string, gtFiles: Record<string, string>): { precision: number; links: number } {
  const idOf = new Map<string, number>();
  for (const [camera, gtPath] of Object.entries(gtFiles)) {
    const { pred } = readDetections(outDir, camera);
    for (const t of tracklets(camera, readGt(gtPath, new Set(pred.map((p) => p.frame))), pred)) idOf.set(`${camera}/${t.track}`, t.id);
  }
  const path = join(outDir, 'identities.jsonl');
  const lines = existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { camera: string; track: number; global?: number }) : [];
  let links = 0;
  let right = 0;
  for (const a of lines)
    for (const b of lines) {
      if (a.camera >= b.camera || a.global === undefined || a.global !== b.global) continue;
      const ia = idOf.get(`${a.camera}/${a.track}`);
      const ib = idOf.get(`${b.camera}/${b.track}`);
      if (ia === undefined || ib === undefined) continue;
      links++;
      if (ia === ib) right++;
    }
  return { precision: links ? right / links : 0, links };
}

/** Of the hits, the share whose box covers the queried object in that frame's ground truth (IoU >= 0.5). */
function hitsCorrect(outDir: string, gtFiles: Record<string, string>, queryIds: number[]): number {
  const path = join(outDir, 'hits.jsonl');
  const hits = existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { target: number; camera: string; frame: number; box: [number, number, number, number] }) : [];
  const gt = Object.fromEntries(Object.entries(gtFiles).map(([c, p]) => [c, new Map((JSON.parse(readFileSync(p, 'utf8')) as { frames: { frame: number; boxes: { id: number; box: [number, number, number, number] }[] }[] }).frames.map((f) => [f.frame, f.boxes]))]));
  const iou = (a: number[], b: number[]) => {
    const w = Math.max(0, Math.min(a[2]!, b[2]!) - Math.max(a[0]!, b[0]!));
    const h = Math.max(0, Math.min(a[3]!, b[3]!) - Math.max(a[1]!, b[1]!));
    const inter = w * h;
    return inter / ((a[2]! - a[0]!) * (a[3]! - a[1]!) + (b[2]! - b[0]!) * (b[3]! - b[1]!) - inter);
  };
  const right = hits.filter((h) => (gt[h.camera]?.get(h.frame) ?? []).some((g) => g.id === queryIds[h.target] && iou(g.box, h.box) >= 0.5)).length;
  return hits.length ? right / hits.length : 0;
}

export async function runSearch(o: SearchOptions): Promise<SearchResult> {
  const log = o.log ?? ((l: string) => console.log(`[search] ${l}`));
  const kubectl = kubectlRunner(o.kubectl ?? defaultKubectl(), o.kubeconfig);
  const modelDir = join(o.workDir, 'models');
  mkdirSync(modelDir, { recursive: true });
  if (!existsSync(join(modelDir, MODEL_FILE))) await trainFeatureExtractor({ outDir: modelDir, steps: 300, log });
  const files = await writeScenario(join(o.workDir, 'scenario'), { identities: o.identities, distractors: o.distractors, frames: o.frames, fps: o.fps }, log);
  // A folder of its own for each run: the workers of an earlier run in the same work folder may still be ending,
  // writing their last lines, while this one starts (removing a shared folder then raced them: ENOTEMPTY).
  const outDir = mkdtempSync(join(o.workDir, `output-${o.mode}-`));
  const manifest = renderManifest(await readFile(join(EXAMPLE_DIR, o.mode === 'search' ? 'object_search.yaml' : 'object_tracking.yaml'), 'utf8'), {
    EXAMPLE_DIR,
    MODEL_DIR: modelDir,
    OUT_DIR: outDir,
    VIDEO_A: files.videos['camera-a']!,
    VIDEO_B: files.videos['camera-b']!,
    FPS: String(o.fps),
    REALTIME: String(o.realtime),
    MIN_AREA: '120',
    WARMUP: '25',
    MATCH_THRESH: String(o.matchThresh),
    REID_REPLICAS: String(o.reidReplicas ?? 1),
  });
  const owner = o.mode === 'search' ? ['objs', 'search'] : ['objt', 'tracking'];
  const deadline = Date.now() + o.timeoutMs;
  try {
    const applied = await kubectl(['apply', '-f', '-'], manifest);
    if (applied.code !== 0) throw new Error(`kubectl apply: ${applied.stderr}`);
    const nodePort = async (service: string) => (await getJson(kubectl, ['service', service])).spec.ports[0].nodePort as number;
    // Every ReID replica (each on a node port of its own when there are several).
    const replicas = o.reidReplicas ?? 1;
    const reidUrls = await until('the ReID workers\' Service', deadline, async () => {
      const ports = ((await getJson(kubectl, ['service', `${owner[1]}-reidworker`])).spec.ports as { nodePort?: number }[]).map((p) => p.nodePort);
      return ports.length >= replicas && ports.every(Boolean) ? ports.map((p) => `http://127.0.0.1:${p}/reid/status`) : undefined;
    });
    let version = 0;
    if (o.mode === 'search') {
      const user = `http://127.0.0.1:${await until('the user worker\'s Service', deadline, () => nodePort('search-userworker'))}/user`;
      await until('the user worker', deadline, async () => ((await fetch(`${user}/status`)).ok ? true : undefined));
      const crops = files.queries.map((p, i) => cropAttachment(`query-${i}`, readImage(p)));
      const query: DetTrackMessage = { header: { camera: 'user', frame_index: 0, detection_time: new Date().toISOString(), userID: 'synthetic', bbox_coord: crops.map((c) => [0, 0, c.info.width!, c.info.height!]), confidence: crops.map(() => 1), tracklets: crops.map(() => -1), attachments: crops.map((c) => c.info) }, attachments: crops.map((c) => c.bytes) };
      const answer = await fetch(`${user}/query`, { method: 'POST', headers: { 'Content-Type': WIRE_CONTENT_TYPE }, body: encodeMessage(query) });
      if (!answer.ok) throw new Error(`the query was refused: ${await answer.text()}`);
      version = ((await answer.json()) as { version: number }).version;
      log(`query ${version}: ${crops.length} image(s) of identities ${files.queryIds.join(', ')}`);
    }
    // Both cameras done (their summaries), and everything they sent taken in by the ReID worker, hits delivered.
    const sent = await until('both cameras to finish', deadline, async () => {
      const paths = CAMERAS.map((c) => join(outDir, `summary-${c}.json`));
      return paths.every(existsSync) ? paths.reduce((n, p) => n + (JSON.parse(readFileSync(p, 'utf8')) as { sent: number }).sent, 0) : undefined;
    });
    const reidMessages = await until('the ReID workers to take in every message', deadline, async () => {
      const all = await Promise.all(reidUrls.map(async (u) => (await (await fetch(u)).json()) as { messages: number; targetVersion: number; pendingHits: number; tracklets: number; assignedTracklets: number; assigning: number; identitiesWritten: boolean }));
      // identities.jsonl is rewritten on a ReID worker's next sync after a message: wait until each has every
      // tracklet it knows, and they all see the same assignments (the shared gallery read again).
      const messages = all.reduce((n, s) => n + s.messages, 0);
      const settled = all.every((s) => s.targetVersion === version && s.pendingHits === 0 && s.assigning === 0 && s.identitiesWritten && s.assignedTracklets === all[0]!.assignedTracklets);
      return messages >= sent && settled ? all.map((s) => s.messages) : undefined;
    });
    log(`messages per ReID replica: ${reidMessages.join(', ')}`);
    const figures = evaluate(outDir, files.gt, o.mode === 'search' ? files.queryIds : []);
    const ids = identityPrecision(outDir, files.gt);
    const status = (await getJson(kubectl, owner)).status;
    log(`${owner.join(' ')}: ${status?.conditions?.at(-1)?.type}, ${status?.active} workers active`);
    return { status, reidMessages, figures: { ...figures, identity_precision: ids.precision, cross_camera_links: ids.links, hits_correct: hitsCorrect(outDir, files.gt, files.queryIds) }, outDir, queryIds: files.queryIds };
  } finally {
    if (!o.keep) await kubectl(['delete', '--ignore-not-found', '--wait=false', '-f', '-'], manifest);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { kubeconfig: { type: 'string' }, 'work-dir': { type: 'string', default: '/tmp/sedna-multiedge-search' }, tracking: { type: 'boolean', default: false }, frames: { type: 'string', default: '160' }, realtime: { type: 'boolean', default: false }, timeout: { type: 'string', default: '600' } } });
  if (!values.kubeconfig) throw new Error('--kubeconfig is required (sedna up prints it)');
  const r = await runSearch({ kubeconfig: values.kubeconfig, workDir: values['work-dir']!, mode: values.tracking ? 'tracking' : 'search', frames: Number(values.frames), identities: 6, distractors: 2, fps: 10, realtime: values.realtime!, matchThresh: 0.8, timeoutMs: Number(values.timeout) * 1000 });
  console.log(JSON.stringify(r.figures));
}
