/**
 * The multi-edge scenario end to end on a control plane (`sedna up --edge-nodes 2`): renders the synthetic scenario
 * (or cuts vtest.avi into two overlapping cameras with --real-video), trains the ReID feature extractor if missing,
 * applies multiedge_inference.yaml with kubectl (REST, or --transport nats through the control plane's broker:
 * `sedna up --broker nats`), waits for
 * both cameras' VideoAnalyticsJobs and the ReidJob to complete, and prints the figures and where the results page is.
 *
 *   node --import tsx examples/multiedge_inference/run.ts --kubeconfig .sedna/apiserver/kubeconfig
 *
 * Options: --work-dir (default /tmp/sedna-multiedge; models/, scenario/, output-<transport>/ inside), --transport
 * rest|nats, --detector background-subtraction|trained (the trained one is trained first when missing), --frames, --identities, --distractors, --fps, --realtime (cameras read at the video's pace),
 * --train-steps, --match-thresh, --real-video, --real-seconds, --kubectl, --keep, --timeout (seconds), --json.
 */
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { defaultKubectl, kubectlRunner, type Kubectl } from '../common/kubectl.js';
import { COLOUR_PARTS_FILE, COLOUR_PARTS_MODEL } from './colour-parts.js';
import { trainDetector } from './detector-train.js';
import { DETECTOR_MODEL_FILE } from './detector-trained.js';
import { trainFeatureExtractor } from './embedder-train.js';
import { MODEL_FILE } from './embedder.js';
import { evaluate, realVideoReid, resultsPage, type Figures } from './evaluate.js';
import { realVideoCameras } from './real-video.js';
import { writeScenario } from './scenario-files.js';

export const EXAMPLE_DIR = dirname(fileURLToPath(import.meta.url));
const JOBS = ['video-analytics-a', 'video-analytics-b'];

export interface RunOptions {
  kubeconfig: string;
  kubectl?: string;
  workDir: string;
  transport: 'rest' | 'nats';
  /** The cameras' detector (default background subtraction). */
  detector?: 'background-subtraction' | 'trained';
  frames: number;
  identities: number;
  distractors: number;
  fps: number;
  realtime: boolean;
  trainSteps: number;
  matchThresh: number;
  realVideo?: { seconds: number };
  /** Where the rendered scenario and the cut real video are kept and reused (default: the work dir). */
  cacheDir?: string;
  keep?: boolean;
  timeoutMs: number;
  log?: (line: string) => void;
}

export interface RunResult {
  figures: Figures & { detections?: number };
  page: string;
  outDir: string;
  status: Record<string, unknown>;
}

export function renderManifest(text: string, values: Record<string, string>): string {
  for (const [k, v] of Object.entries(values)) text = text.replaceAll(`$${k}`, v);
  const leftover = /\$[A-Z][A-Z_]*/.exec(text);
  if (leftover) throw new Error(`multiedge_inference.yaml has a placeholder the runner does not fill: ${leftover[0]}`);
  for (const [i, doc] of parseAllDocuments(text).entries()) if (doc.errors.length > 0) throw new Error(`document ${i + 1}: ${doc.errors[0]!.message}`);
  return text;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- kubectl's JSON, read field by field below
async function getJson(kubectl: Kubectl, args: string[]): Promise<any> {
  const r = await kubectl(['get', ...args, '-o', 'json']);
  if (r.code !== 0) throw new Error(`kubectl get ${args.join(' ')}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

export async function runScenario(o: RunOptions): Promise<RunResult> {
  const log = o.log ?? ((l: string) => console.log(`[run] ${l}`));
  const kubectl = kubectlRunner(o.kubectl ?? defaultKubectl(), o.kubeconfig);
  const modelDir = join(o.workDir, 'models');
  mkdirSync(modelDir, { recursive: true });
  if (!existsSync(join(modelDir, MODEL_FILE))) {
    log(`training the ReID feature extractor (${o.trainSteps} steps)`);
    const t = await trainFeatureExtractor({ outDir: modelDir, steps: o.trainSteps, log });
    log(`trained in ${t.seconds.toFixed(0)} s, final loss ${t.loss.toFixed(3)}`);
  }
  const detector = o.detector ?? 'background-subtraction';
  if (detector === 'trained') {
    if (o.realVideo) throw new Error('--detector trained: the trained detector is trained on the synthetic scenario; the real video uses background subtraction');
    if (!existsSync(join(modelDir, DETECTOR_MODEL_FILE))) {
      log('training the detector on a scenario of its own');
      const t = await trainDetector({ outDir: modelDir, log });
      log(`detector trained in ${t.seconds.toFixed(0)} s on ${t.samples} cells, accuracy ${t.accuracy.toFixed(3)}`);
    }
  }
  // The feature extractor's model: the MLP for the synthetic items, colour histograms per body part for pedestrians.
  writeFileSync(join(modelDir, COLOUR_PARTS_FILE), JSON.stringify(COLOUR_PARTS_MODEL));
  const detectorConfig = o.realVideo ? { detector: 'background-subtraction', warmup: 50, minArea: 60 } : { detector: 'background-subtraction', warmup: 25, minArea: 120 };
  writeFileSync(join(modelDir, 'detector.json'), JSON.stringify(detectorConfig));

  let videos: Record<string, string>;
  let gt: Record<string, string> = {};
  let queries: string[] = [];
  let queryIds: number[] = [];
  if (o.realVideo) {
    videos = await realVideoCameras(join(o.cacheDir ?? o.workDir, 'real'), o.realVideo.seconds, log);
  } else {
    const files = await writeScenario(join(o.cacheDir ?? o.workDir, 'scenario'), { identities: o.identities, distractors: o.distractors, frames: o.frames, fps: o.fps }, log);
    videos = files.videos;
    gt = files.gt;
    queries = files.queries;
    queryIds = files.queryIds;
  }
  const outDir = join(o.workDir, `output-${o.realVideo ? 'real-' : ''}${detector === 'trained' ? 'trained-' : ''}${o.transport}`);
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });

  const manifest = renderManifest(await readFile(join(EXAMPLE_DIR, 'multiedge_inference.yaml'), 'utf8'), {
    EXAMPLE_DIR,
    MODEL_DIR: modelDir,
    OUT_DIR: outDir,
    KAFKA_SUPPORT: o.transport === 'nats' ? 'true' : 'false',
    MATCH_THRESH: String(o.matchThresh),
    QUERY_IMAGES: queries.join('|'),
    IDLE_TIMEOUT: '8',
    VIDEO_A: videos['camera-a']!,
    VIDEO_B: videos['camera-b']!,
    FPS: String(o.fps),
    REALTIME: String(o.realtime),
    MIN_AREA: String(detectorConfig.minArea),
    WARMUP: String(detectorConfig.warmup),
    FE_MODEL: o.realVideo ? 'feature-extraction-colour-parts' : 'feature-extraction-reid-mlp',
    DETECTOR_MODEL: detector === 'trained' ? 'detection-trained-mlp' : 'detection-background-subtraction',
  });
  const remove = async () => {
    await kubectl(['delete', '--ignore-not-found', '--wait=false', '-f', '-'], manifest);
  };
  try {
    await remove();
    const applied = await kubectl(['apply', '-f', '-'], manifest);
    if (applied.code !== 0) throw new Error(`kubectl apply: ${applied.stderr}`);
    log(applied.stdout.trim().replace(/\n/g, '; '));
    const deadline = Date.now() + o.timeoutMs;
    let last = '';
    // One kubectl for all three objects a poll: each kubectl is a process, CPU taken from the workers.
    const objects = async () => {
      // eslint-disable-next-line @typescript-eslint/no-explicit-any -- kubectl's JSON, read field by field below
      type Item = { kind?: string; metadata?: { name: string }; status?: any };
      const list = (await getJson(kubectl, [...JOBS.map((j) => `va/${j}`), 'reid/reid', 'fe/feature-extraction'])).items as Item[];
      const find = (kind: string, name: string): Item => list.find((i) => i.kind === kind && i.metadata?.name === name) ?? {};
      return { va: JOBS.map((j) => find('VideoAnalyticsJob', j)), reid: find('ReidJob', 'reid'), fe: find('FeatureExtractionService', 'feature-extraction') };
    };
    for (;;) {
      const { va, reid } = await objects();
      const phases = [...va.map((v) => v.status?.phase ?? 'Pending'), reid.status?.phase ?? 'Pending'];
      const line = `cameras ${phases.slice(0, 2).join('/')}, reid ${phases[2]}; ${va.map((v) => (v.status?.metrics ?? []).filter((m: { key: string }) => m.key === 'frames' || m.key === 'results').map((m: { key: string; value: string }) => `${m.key}=${m.value}`).join(' ')).join(' | ')}`;
      if (line !== last) log(line);
      last = line;
      // kafkaSupport on a control plane without a broker: the jobs wait, their condition saying what to run.
      const noBroker = [...va, reid].map((o) => o.status?.conditions?.at(-1)).find((c) => c?.reason === 'NoBroker');
      if (noBroker) throw new Error(noBroker.message);
      if (phases.includes('Failed')) throw new Error(`a job failed: ${JSON.stringify({ va: va.map((v) => v.status?.conditions?.at(-1)), reid: reid.status?.conditions?.at(-1) })}`);
      if (phases.every((p) => p === 'Succeeded')) break;
      if (Date.now() > deadline) throw new Error(`timed out; ${line}`);
      await new Promise((r) => setTimeout(r, 1000));
    }
    const table = await kubectl(['get', 'va,fe,reid']);
    log(`\n${table.stdout}`);
    const final = await objects();
    const status = { va: Object.fromEntries(JOBS.map((j, i) => [j, final.va[i]!.status])), fe: final.fe.status, reid: final.reid.status };
    const figures: Figures = o.realVideo ? { ...evaluate(outDir, Object.fromEntries(Object.keys(videos).map((c) => [c, ''])), []), ...realVideoReid(outDir) } : evaluate(outDir, gt, queryIds);
    const page = resultsPage(outDir, videos, figures);
    return { figures, page, outDir, status };
  } finally {
    if (!o.keep) await remove();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: {
      kubeconfig: { type: 'string' },
      kubectl: { type: 'string' },
      'work-dir': { type: 'string', default: '/tmp/sedna-multiedge' },
      transport: { type: 'string', default: 'rest' },
      detector: { type: 'string', default: 'background-subtraction' },
      frames: { type: 'string', default: '220' },
      identities: { type: 'string', default: '10' },
      distractors: { type: 'string', default: '2' },
      fps: { type: 'string', default: '10' },
      realtime: { type: 'boolean', default: false },
      'train-steps': { type: 'string', default: '300' },
      'match-thresh': { type: 'string', default: '0.8' },
      'real-video': { type: 'boolean', default: false },
      'real-seconds': { type: 'string', default: '20' },
      keep: { type: 'boolean', default: false },
      timeout: { type: 'string', default: '600' },
      json: { type: 'boolean', default: false },
    },
  });
  if (!values.kubeconfig) throw new Error('--kubeconfig is required (sedna up prints it)');
  if (values.transport !== 'rest' && values.transport !== 'nats') throw new Error(`--transport must be rest or nats; got ${values.transport}`);
  if (values.detector !== 'background-subtraction' && values.detector !== 'trained') throw new Error(`--detector must be background-subtraction or trained; got ${values.detector}`);
  const result = await runScenario({
    kubeconfig: values.kubeconfig,
    ...(values.kubectl ? { kubectl: values.kubectl } : {}),
    workDir: values['work-dir']!,
    transport: values.transport,
    detector: values.detector,
    frames: Number(values.frames),
    identities: Number(values.identities),
    distractors: Number(values.distractors),
    fps: Number(values.fps),
    realtime: values.realtime!,
    trainSteps: Number(values['train-steps']),
    matchThresh: Number(values['match-thresh']),
    ...(values['real-video'] ? { realVideo: { seconds: Number(values['real-seconds']) } } : {}),
    keep: values.keep!,
    timeoutMs: Number(values.timeout) * 1000,
  });
  console.log(`[run] results page: ${result.page}`);
  console.log(JSON.stringify(values.json ? result : result.figures));
}
