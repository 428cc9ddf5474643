/**
 * `npm run bench -- multiedge_inference`: the example's scenarios on an embedded control plane started here (`sedna
 * up` with a cloud node and two edge nodes, all on this machine): the synthetic scenario (220 frames per camera, 10
 * identities and 2 same-class distractors) with the cameras paced at the source's 10 fps, over REST and over NATS
 * JetStream (the control plane's broker, `--broker nats`) in interleaved rounds (`--rounds`, default 3, after one
 * warm-up of each): every figure is the median round's, and the latency figures (frame to result p99, sustained fps,
 * query to hit p50/p99) are also written as `<name>_median`/`<name>_iqr`. Then the real video (all 79 s of
 * vtest.avi) over REST. The ReID feature extractor is trained first when missing (300 steps). The trained detector
 * (trained when missing, its threshold chosen on a validation scenario) is compared with background subtraction
 * offline on every frame of the synthetic scenario against its exact ground truth, then runs the synthetic scenario
 * on the control plane (REST) too. Progress on stderr; last line: one JSON object with the figures of each part and,
 * at the top level, those of the REST synthetic rounds.
 *   npm run bench -- multiedge_inference [--work-dir DIR] [--frames 220] [--rounds 3] [--real-seconds 79] [--train-steps 300]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { up } from '../../packages/cli/src/commands/up.js';
import { stopPodProcesses } from '../../packages/cli/test/pod-processes.js';
import { ensureBuilt } from '../../packages/cli/test/harness.js';
import { existsSync } from 'node:fs';
import { compareDetectors } from '../../examples/multiedge_inference/detector-eval.js';
import { trainDetector } from '../../examples/multiedge_inference/detector-train.js';
import { DETECTOR_MODEL_FILE } from '../../examples/multiedge_inference/detector-trained.js';
import type { Figures } from '../../examples/multiedge_inference/evaluate.js';
import { runScenario, type RunOptions } from '../../examples/multiedge_inference/run.js';
import { figure, interleave, median } from '../common/stats.js';

/** The figures measured per round and written as `<name>_median` and `<name>_iqr`. */
const LATENCY_FIGURES = ['frame_to_result_ms_p99', 'camera_fps_sustained', 'query_to_hit_ms_p50', 'query_to_hit_ms_p99'] as const;

/** Objects of the same shape, one per round: each numeric leaf the median over them. */
function medianLeaves(all: unknown[]): unknown {
  const first = all[0];
  if (typeof first === 'number') return median(all as number[]);
  if (first && typeof first === 'object') return Object.fromEntries(Object.keys(first).map((k) => [k, medianLeaves(all.map((o) => (o as Record<string, unknown>)[k]))]));
  return first;
}

const { values } = parseArgs({ options: { 'work-dir': { type: 'string', default: '/tmp/sedna-multiedge-bench' }, frames: { type: 'string', default: '220' }, 'real-seconds': { type: 'string', default: '79' }, 'train-steps': { type: 'string', default: '300' }, rounds: { type: 'string', default: '3' } } });
const rounds = Number(values.rounds);
if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`--rounds must be a whole number >= 1; got ${values.rounds}`);
const log = (m: string): void => void process.stderr.write(`[multiedge_inference bench] ${m}\n`);
ensureBuilt();
const dataDir = mkdtempSync(join(tmpdir(), 'sedna-multiedge-bench-up-'));
const handle = await up({ dataDir, edgeNodes: 2, apiPort: 0, hubPort: 0, datasetRoots: ['/'], broker: 'nats', brokerPort: 0, log: () => undefined });
const round = (x: number, d = 3): number => (Number.isFinite(x) ? Number(x.toFixed(d)) : x);
const tidy = (o: unknown): unknown => (typeof o === 'number' ? round(o) : o && typeof o === 'object' ? Object.fromEntries(Object.entries(o).map(([k, v]) => [k, tidy(v)])) : o);
try {
  const base: Omit<RunOptions, 'transport'> = {
    kubeconfig: handle.kubeconfig,
    workDir: values['work-dir']!,
    frames: Number(values.frames),
    identities: 10,
    distractors: 2,
    fps: 10,
    realtime: true,
    trainSteps: Number(values['train-steps']),
    matchThresh: 0.8,
    timeoutMs: 900_000,
    log,
  };
  // The latency figures move from run to run on a shared machine: REST and NATS rounds interleaved (interleave() runs
  // one unrecorded warm-up of each first), each figure the median over the rounds with its interquartile range.
  const runs: Record<'rest' | 'nats', Figures[]> = { rest: [], nats: [] };
  const synthetic = (transport: 'rest' | 'nats') => async (): Promise<number> => {
    const run = await runScenario({ ...base, transport });
    runs[transport].push(run.figures);
    log(`${transport.toUpperCase()}: ${JSON.stringify(tidy(run.figures))}`);
    return run.figures.frame_to_result_ms_p99;
  };
  await interleave(rounds, synthetic('rest'), synthetic('nats'), (r, a, b) => log(`round ${r}/${rounds}: frame to result p99 REST ${a} ms, NATS ${b} ms`));
  const recorded = { rest: runs.rest.slice(1), nats: runs.nats.slice(1) }; // [0]: the warm-ups
  const real = await runScenario({ ...base, transport: 'rest', realVideo: { seconds: Number(values['real-seconds']) } });
  log(`real video: ${JSON.stringify(tidy(real.figures))}`);
  const detectorModel = join(values['work-dir']!, 'models', DETECTOR_MODEL_FILE);
  if (!existsSync(detectorModel)) await trainDetector({ outDir: join(values['work-dir']!, 'models'), log });
  const detectors = await compareDetectors(detectorModel, { identities: base.identities, distractors: base.distractors, frames: base.frames });
  log(`detectors offline: ${JSON.stringify(tidy(detectors))}`);
  const trained = await runScenario({ ...base, transport: 'rest', detector: 'trained' });
  log(`trained detector: ${JSON.stringify(tidy(trained.figures))}`);
  const perCamera = (f: Figures, key: 'det_ap50' | 'mota' | 'idf1') => Object.fromEntries(Object.entries(f.cameras).map(([c, v]) => [c, v[key]]));
  const top = (f: Figures) => ({
    det_ap50: perCamera(f, 'det_ap50'),
    mota: perCamera(f, 'mota'),
    idf1: perCamera(f, 'idf1'),
    reid_rank1: f.reid_rank1,
    reid_map: f.reid_map,
    query_to_hit_ms_p50: f.query_to_hit_ms_p50,
    query_to_hit_ms_p99: f.query_to_hit_ms_p99,
    frame_to_result_ms_p50: f.frame_to_result_ms_p50,
    frame_to_result_ms_p99: f.frame_to_result_ms_p99,
    camera_fps_sustained: f.camera_fps_sustained,
    bytes_up_per_frame: f.bytes_up_per_frame,
    search_found: f.search_found,
  });
  const minOf = (f: Figures, key: 'det_ap50' | 'mota' | 'idf1') => Math.min(...Object.values(f.cameras).map((c) => c[key]));
  /** Every figure of the rounds, the median round's value (per camera for the per-camera ones). */
  const medianOf = (all: Figures[]) => medianLeaves(all.map(top)) as ReturnType<typeof top>;
  const rest = medianOf(recorded.rest);
  const nats = medianOf(recorded.nats);
  const spreadOf = (prefix: string, all: Figures[]) =>
    Object.assign({}, ...LATENCY_FIGURES.map((key) => figure(`${prefix}${key}`, all.map((f) => f[key]))), { [`${prefix}rounds`]: all.length }) as Record<string, number>;
  // Flat headline figures for the README table, beside the per-camera ones the issue names.
  const headline = {
    det_ap50_min: median(recorded.rest.map((f) => minOf(f, 'det_ap50'))),
    mota_min: median(recorded.rest.map((f) => minOf(f, 'mota'))),
    idf1_min: median(recorded.rest.map((f) => minOf(f, 'idf1'))),
    ...spreadOf('', recorded.rest),
    ...spreadOf('nats_', recorded.nats),
    real_video_reid_rank1: real.figures.reid_rank1,
    trained_det_ap50_min: Math.min(...Object.values(detectors.cameras).map((c) => c.trained)),
    trained_detector_ms_per_frame: Math.max(...Object.values(detectors.cameras).map((c) => c.trained_ms)),
  };
  console.log(JSON.stringify(tidy({ ...rest, ...headline, rest, nats, detectors_offline: detectors.cameras, trained_detector: top(trained.figures), real_video: { reid_rank1: real.figures.reid_rank1, reid_map: real.figures.reid_map, reid_queries: real.figures.reid_queries, detections: real.figures.detections, frame_to_result_ms_p99: real.figures.frame_to_result_ms_p99, camera_fps_sustained: real.figures.camera_fps_sustained, bytes_up_per_frame: real.figures.bytes_up_per_frame } })));
} finally {
  stopPodProcesses(dataDir);
  await handle.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
