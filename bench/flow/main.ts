/**
 * `npm run bench -- flow`: what running a pipeline as a graph of units costs, and how fast the runtime is.
 * - overhead_pct: the joint inference edge pipeline (decode, preprocess, the little model, CrossEntropy mining, the
 *   hard ones to the big model service over HTTP, the class) as a graph against the same steps in a hand-written
 *   loop over the same lib calls, one image at a time on both sides; `--rounds` interleaved rounds (the side going
 *   first alternates) after `--warmup` unrecorded runs of each (the JIT settles: the first runs are slower), medians
 *   and interquartile ranges of the per-round ratio of the wall times. overhead_cpu_pct: the same ratio of the CPU
 *   time this process spent on each side (moves much less when other work shares the machine: the honest measure
 *   of what the graph costs), and overhead_cpu_us_per_item the same difference per image. The loop normalizes with
 *   a plain loop as the normalize unit does (Float32Array.from with a mapping function costs about 50 us an image
 *   more and flattered the graph before). Both sides work one image at a time: in the graph the mining's two
 *   branches and the result run inside one fused node (runtime/fusion.ts), so an image goes to the big model and
 *   back before the next one starts, as in the loop. What the graph does beyond the loop is what a graph gives and
 *   is counted as its overhead: per-unit metrics (counts, a clock read per unit), an inference record per image
 *   (the sample, the answer, who answered, the mining's verdict) and a result with the confidence and who answered;
 *   the loop computes the class only. The graph is opened once and fed round after round through a FlowInput
 *   (ji-pipeline.ts openGraphRunner), as a worker runs its graph and as the loop keeps its estimator and client;
 *   the input holds a round, so that each round's images are given at once, as the loop has them in an array.
 *   The rounds run in `--processes` processes one after the other (default 5), each with its own warm-up, and the
 *   medians are taken of all their rounds: a process's code and memory layout moves both sides by a few percent for
 *   its whole life, so one process is one draw of it (overhead_pct_process_medians: each process's own median;
 *   they spread by one to two points, so five draws rather than three: the run's median moves less).
 *   items_per_s: the graph's throughput.
 * - per_round_*: the same figures with a new flow each round (`--parts overhead_per_round`, not run by default),
 *   opened (its models loaded) before the round's clock starts: what a short stream also pays for a flow's start and
 *   end (the first calls of a new ONNX Runtime session and of a new connection to the big model, the units' close).
 * - line_*: the same figures for the pipeline without the mining (`--parts overhead_line`, not run by default): every
 *   image through all units to the big model, one straight line that runs as one fused node.
 * - stand_ins_*: the same graph and loop with stand-ins for the two models that answer at once (`--parts
 *   overhead_stand_ins`, not run by default; stand-ins.ts): the graph's own per-image work, without the lib calls;
 *   `--stand-ins-evict-kb N`: each stand-in (on both sides) walks N KB of memory first, evicting the caches between
 *   the graph's steps as the real models' calls do; `--stand-ins-next-turn`: the stand-ins answer on the next turn
 *   of the event loop (setImmediate, as onnxruntime-node's run does); `--stand-ins-evict-functions N`: each stand-in
 *   first calls N distinct small functions, whose code goes through the instruction caches as the real calls' does.
 * - cpu_split_*: where the graph's extra CPU goes (`--parts cpu_split`, not run by default; cpu-split.ts, needs perf):
 *   each side alone under `perf record`, CPU microseconds an image per part (the scheduler's code, the units', the
 *   lib's, Node's, V8's builtins and runtime, ONNX Runtime, the kernel, ...), `--split-runs` runs of each side.
 * - code_kb_*: the machine code V8 made (TurboFan, KB) for the compiled chain's loop over its FlowInput (with the
 *   untimed items' code in it), its function for timed items, and the hand-written loop (`--parts code_sizes`, not
 *   run by default; code-sizes.ts).
 * - instructions_*, i1_misses_*, flow_*, by_kind: the machine instructions and instruction-cache misses an image on
 *   each side, counted under callgrind rather than timed (`--parts instructions`, not run by default, needs
 *   valgrind; instructions.ts): a change too small to time shows in them.
 * - general_*: the same graph with its fused node on the general path (`--parts overhead_general`, not run by
 *   default; `Flow.open(graph, { compile: false })`): per batch, each unit's rows and emissions as lists, rather
 *   than each item through the function compiled for the chain (runtime/item-chain.ts).
 * - lean_*: the same figures for the graph of lean units (`--parts overhead_lean`, not run by default; lean-units.ts):
 *   each unit one of the loop's steps with the loop's own calls and nothing more, so that against the loop it gives
 *   the runtime's share of the overhead, and the real graph's overhead less it the units' share.
 * - skeleton_*: the same figures for a graph of one lean unit doing all of the loop's steps and five passing its
 *   answer on (`--parts overhead_skeleton`, not run by default; lean-units.ts): the runtime's envelope around a
 *   stream's items, with six units in the chain but the work in one.
 * - units_*: the graph's own units opened once and called one after the other by hand, no scheduler (`--parts
 *   overhead_units`, not run by default), against the same loop: the units' share of the graph's overhead; the rest
 *   of overhead_cpu_us_per_item is the scheduler's.
 * - meta_merge_*: merging an item's meta with what a unit added, a spread, Object.assign and the chain's merge
 *   function (`--parts meta_merge`, not run by default), ns an item.
 * - scheduler_us_per_item_per_unit: 50,000 items through six units that do nothing (fused into one node, the
 *   default); scheduler_unfused_us_per_item_per_unit: the same with fusion off (a queue between every two units).
 * - frames_per_s: the video graph on OpenCV's vtest.avi (768x576): decode and scale to the detector's input size
 *   (320x320) in ffmpeg -> normalize -> a small convolutional network on ONNX Runtime standing in for the detector
 *   (random weights: only its cost matters here); `--video-rounds` runs (median, IQR), and video_cpu_ms_per_frame,
 *   the CPU time of this process and of ffmpeg per frame (moves less with the load). frames_per_s_resize_unit: the same with the scaling done by our
 *   `resize` unit (bilinear, 2 worker threads) on the first --resize-frames frames.
 * - peak_rss_mb: a fast source of 1.3 MB frames into a unit that takes 10 ms each; the resident memory sampled
 *   every 50 ms (peak, and the mean of the first and the last quarter of the run: flat means equal).
 *   npm run bench -- flow [--images 2000] [--rounds 21 (per process)] [--processes 5] [--warmup 3] [--parts overhead,scheduler,video,memory (and overhead_line, overhead_per_round, overhead_lean, overhead_skeleton, overhead_units, overhead_general, overhead_stand_ins, meta_merge, cpu_split, code_sizes, instructions)]
 *     [--split-runs 2] [--split-top 25] [--stand-ins-evict-kb 0] [--stand-ins-next-turn] [--stand-ins-evict-functions 0]
 *     [--frames 0 (all 795)] [--video-rounds 3] [--resize-frames 300] [--models DIR]
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { weightShapes, type ModelSpec } from '@sedna/lib/model-spec';
import { defineUnit, Flow, loadGraphText, metaMerge, type UnitInstance, type UnitOutput } from '@sedna/lib/flow';
import { exportToOnnx } from '@sedna/lib/onnx';
import { writeFile } from 'node:fs/promises';
import { figure, interleave, round as r2, spread } from '../common/stats.js';
import { cpuSplitPart } from './cpu-split.js';
import { handWrittenLoop, jiEnv, jiGraphText, openGraphRunner, readyModels, startBigModel, testImages, type GraphRunner } from './ji-pipeline.js';
import { leanGraph, skeletonGraph } from './lean-units.js';
import { standInsPart } from './stand-ins.js';
import { codeSizesPart } from './code-sizes.js';
import { instructionsPart } from './instructions.js';
import { ensureVtest } from './vtest.js';

const { values } = parseArgs({ options: { images: { type: 'string', default: '2000' }, rounds: { type: 'string', default: '21' }, warmup: { type: 'string', default: '3' }, parts: { type: 'string', default: 'overhead,scheduler,video,memory' }, frames: { type: 'string', default: '0' }, 'resize-frames': { type: 'string', default: '300' }, 'video-rounds': { type: 'string', default: '3' }, models: { type: 'string', default: '/tmp/sedna-ji-fashion-mnist/models' }, threshold: { type: 'string', default: '0.7' }, processes: { type: 'string', default: '5' }, 'rounds-json': { type: 'boolean', default: false }, 'split-runs': { type: 'string', default: '2' }, 'stand-ins-evict-kb': { type: 'string', default: '0' }, 'stand-ins-next-turn': { type: 'boolean', default: false }, 'stand-ins-evict-functions': { type: 'string', default: '0' }, 'split-top': { type: 'string', default: '25' } } });
const log = (m: string): void => void process.stderr.write(`[flow bench] ${m}\n`);
const images = Number(values.images);
const rounds = Number(values.rounds);
const threshold = Number(values.threshold);
const videoRounds = Number(values['video-rounds']);
const work = await mkdtemp(path.join(tmpdir(), 'sedna-flow-bench-'));

// ---- the joint inference edge pipeline: a graph against a hand-written loop

/**
 * The joint inference edge pipeline as a graph against the same steps in a hand-written loop, interleaved. `line`:
 * the same units without the mining (every image to the big model), a straight line the scheduler fuses into one
 * node, against the loop doing the same: what the graph costs where nothing runs beside the chain.
 */
async function overheadRounds(shape: 'mining' | 'line', against: Against, perRound: boolean): Promise<OverheadRounds> {
  const paths = await readyModels(values.models!, log);
  const raw = await testImages(images);
  const service = await startBigModel(paths.big);
  const { port } = service;
  const env = jiEnv(paths.little, threshold, port);
  const JI_GRAPH = jiGraphText(shape);
  const { graph: jiGraph } = await loadGraphText(JI_GRAPH, path.join(work, 'ji.toml'), { env });

  // Besides the wall time, each side's CPU time (this process's, every thread: ONNX Runtime runs on the main one):
  // on a machine other work shares, it moves much less than the wall time.
  const cpuSeconds = (since: NodeJS.CpuUsage): number => {
    const used = process.cpuUsage(since);
    return (used.user + used.system) / 1e6;
  };
  const cpu: { graph: number[]; loop: number[] } = { graph: [], loop: [] };

  const showChains = (flow: Flow): void => {
    if (!shownChains) log(`  the graph runs with its units ${flow.fusedChains.length ? `fused, one node each: ${flow.fusedChains.map((c) => c.join(', ')).join('; ')}` : 'unfused'}${flow.compiledChains.length ? ', compiled for one item at a time' : ', on the general path'}`);
    shownChains = true;
  };
  let shownChains = false;
  // `perRound` (--parts overhead_per_round): a new flow each round, opened (models loaded) before its clock starts,
  // what a short stream pays for a flow's start and end besides its items.
  async function graphPerRound(): Promise<{ seconds: number; cpu: number; classes: number[] }> {
    const classes: number[] = [];
    const flow = await Flow.open(jiGraph, { env, compile: against !== 'general', log: () => undefined, inputs: { in: raw }, outputs: { out: (v) => void classes.push((v as { class: number }).class) } });
    const c = process.cpuUsage();
    const t = performance.now(); // models are loaded in open(): both sides time the stream only
    await flow.start();
    showChains(flow);
    return { seconds: (performance.now() - t) / 1000, cpu: cpuSeconds(c), classes };
  }
  // Otherwise one flow, opened once as a worker opens its graph, fed round after round (ji-pipeline.ts).
  // `--parts overhead_lean`: the graph of lean units (lean-units.ts), each one of the loop's steps and nothing more;
  // `--parts overhead_skeleton`: one lean unit doing all of the loop's steps, five passing its answer on.
  const lean = against === 'lean' ? await leanGraph(paths.little, threshold, port, path.join(work, 'lean.toml')) : against === 'skeleton' ? await skeletonGraph(paths.little, threshold, port, path.join(work, 'skeleton.toml')) : undefined;
  const runner = perRound || against === 'units' ? undefined : await openGraphRunner(lean?.graph ?? jiGraph, env, images, against !== 'general');
  async function graphRound(): Promise<{ seconds: number; cpu: number; classes: number[] }> {
    const c = process.cpuUsage();
    const t = performance.now();
    const classes = await (runner as GraphRunner).run(raw);
    const seconds = (performance.now() - t) / 1000;
    showChains((runner as GraphRunner).flow);
    return { seconds, cpu: cpuSeconds(c), classes };
  }
  const graphSide = perRound ? graphPerRound : graphRound;

  // `--parts overhead_units`: the graph's own units, opened once and called one after the other by hand (no
  // scheduler, no queue, no metrics): what the units' code costs over the loop's direct lib calls, so that the
  // graph's overhead splits into the units' share and the scheduler's.
  const units: Record<string, UnitInstance> = {};
  if (against === 'units') {
    for (const node of jiGraph.nodes) {
      if (node.role !== 'unit' || !node.unit) continue;
      units[node.name] = await node.unit.open({ node: node.name, options: node.options, env, baseDir: work, signal: new AbortController().signal, log: () => undefined, event: () => undefined });
    }
  }
  // The ports written out at each call (a computed key, `{ [port]: value }`, in this one shared function would cost
  // the units side several times more per object than the units' own literals).
  const call = async (name: string, ports: Record<string, unknown>): Promise<UnitOutput> => {
    const out = await (units[name]?.process?.([{ ports, meta: {} }]) ?? []);
    return out[0] as UnitOutput;
  };
  async function unitsSide(): Promise<{ seconds: number; cpu: number; classes: number[] }> {
    const classes: number[] = [];
    const c = process.cpuUsage();
    const t = performance.now();
    for (const bytes of raw) {
      const image = (await call('decode', { in_data: bytes })).ports.out_image;
      const tensor = (await call('preprocess', { in_data: image })).ports.out_data;
      let record = (await call('infer', { input: tensor })).ports.out_inference;
      const hard = shape === 'line' || (await call('mining', { in_inference: record })).ports.hard !== undefined;
      if (hard) record = (await call('cloud', { in_inference: record })).ports.out_inference;
      classes.push(((await call('result', { in_data: record })).ports.out_data as { class: number }).class);
    }
    return { seconds: (performance.now() - t) / 1000, cpu: cpuSeconds(c), classes };
  }

  // The same steps, by hand: the lib's estimator, mining filter and big model client, one image at a time.
  const loop = await handWrittenLoop(paths.little, threshold, port, shape);
  async function loopSide(): Promise<{ seconds: number; cpu: number; classes: number[] }> {
    const c = process.cpuUsage();
    const t = performance.now();
    const classes = await loop.run(raw);
    return { seconds: (performance.now() - t) / 1000, cpu: cpuSeconds(c), classes };
  }

  log(`joint inference edge pipeline${shape === 'line' ? ' without mining (every image to the big model)' : ''}: ${images} images, ${rounds} interleaved rounds (${against === 'units' ? "the graph's units called by hand" : against === 'general' ? 'graph on the general path' : against === 'lean' ? 'the graph of lean units' : against === 'skeleton' ? 'the skeleton graph: one unit doing every step, five passing on' : 'graph'}${against === 'units' ? '' : perRound ? ', a new flow each round' : ', one flow fed round after round'} vs hand-written loop)`);
  const answers: { loop?: number[]; graph?: number[] } = {};
  const timed = (side: 'loop' | 'graph') => async (): Promise<number> => {
    const result = side === 'loop' ? await loopSide() : against === 'units' ? await unitsSide() : await graphSide();
    if (result.classes.length !== images) throw new Error(`${side}: ${result.classes.length} answers for ${images} images`);
    answers[side] = result.classes;
    cpu[side].push(result.cpu);
    return result.seconds;
  };
  // interleave() runs one warm-up of each side itself; the others here.
  for (let w = 1; w < Number(values.warmup); w++) {
    await (against === 'units' ? unitsSide() : graphSide());
    await loopSide();
  }
  // A is the graph, B the loop: the per-round ratio graph/loop gives the overhead's spread.
  const rounds_ = await interleave(rounds, timed('graph'), timed('loop'), (r, g, l) => log(`  round ${r}: ${against === 'units' ? 'units by hand' : 'graph'} ${g.toFixed(3)} s (${cpu.graph.at(-1)?.toFixed(3)} s CPU), loop ${l.toFixed(3)} s (${cpu.loop.at(-1)?.toFixed(3)} s CPU)`));
  // interleave() ran one unrecorded warm-up of each side first.
  const cpuRatio = cpu.graph.slice(1).map((g, k) => (g / (cpu.loop[k + 1] as number) - 1) * 100);
  // What the graph adds to each image in CPU time, microseconds: the overhead in absolute terms.
  const cpuExtraMicros = cpu.graph.slice(1).map((g, k) => ((g - (cpu.loop[k + 1] as number)) * 1e6) / images);
  const same = (answers.loop ?? []).every((c, k) => c === answers.graph?.[k]);
  loop.close();
  await runner?.close();
  lean?.close();
  for (const unit of Object.values(units)) await unit.close?.();
  await service.stop();
  return {
    overheadPct: rounds_.ratio.map((x) => (x - 1) * 100),
    graphSeconds: rounds_.a,
    loopSeconds: rounds_.b,
    cpuPct: cpuRatio,
    cpuExtraMicros,
    loopCpuMicros: cpu.loop.slice(1).map((c) => (c * 1e6) / images),
    same,
  };
}

type Against = 'graph' | 'general' | 'units' | 'lean' | 'skeleton';

/** Each interleaved round's figures (the per-round values the medians and IQRs are taken of). */
interface OverheadRounds {
  overheadPct: number[];
  graphSeconds: number[];
  loopSeconds: number[];
  cpuPct: number[];
  cpuExtraMicros: number[];
  loopCpuMicros: number[];
  same: boolean;
}

/**
 * An overhead part's figures: its rounds run in this process, or with `--processes N` in N processes one after the
 * other (each this bench with the same arguments for that one part, `--processes 1 --rounds-json`), their rounds
 * pooled. Each process draws its own code and memory layout, which moves both sides' speeds by a few percent for
 * the life of the process: the medians of several processes' rounds depend less on one draw.
 */
async function overheadPart(part: string, shape: 'mining' | 'line' = 'mining', against: Against = 'graph', perRound = false): Promise<Record<string, unknown>> {
  const processes = Number(values.processes);
  if (!Number.isInteger(processes) || processes < 1) throw new Error(`--processes: a whole number of at least 1, got ${values.processes}`);
  let r: OverheadRounds;
  // Each process's own median of the overhead (one entry in a single process): how far one draw of layout moves it.
  let processMedians: number[];
  if (processes <= 1) {
    r = await overheadRounds(shape, against, perRound);
    processMedians = [spread(r.overheadPct).median];
  } else {
    const runs: OverheadRounds[] = [];
    for (let k = 0; k < processes; k++) {
      log(`${part}: process ${k + 1} of ${processes}`);
      const run = await roundsInProcess(part);
      log(`${part}: process ${k + 1}: loop ${spread(run.loopCpuMicros).median.toFixed(1)} us of CPU an image, overhead ${spread(run.overheadPct).median.toFixed(1)} % (its rounds' median)`);
      runs.push(run);
    }
    processMedians = runs.map((run) => spread(run.overheadPct).median);
    r = { overheadPct: runs.flatMap((x) => x.overheadPct), graphSeconds: runs.flatMap((x) => x.graphSeconds), loopSeconds: runs.flatMap((x) => x.loopSeconds), cpuPct: runs.flatMap((x) => x.cpuPct), cpuExtraMicros: runs.flatMap((x) => x.cpuExtraMicros), loopCpuMicros: runs.flatMap((x) => x.loopCpuMicros), same: runs.every((x) => x.same) };
  }
  if (values['rounds-json']) return { rounds_json: r };
  const overhead = spread(r.overheadPct);
  const cpuOverhead = spread(r.cpuPct);
  const graphMedian = spread(r.graphSeconds).median;
  const loopMedian = spread(r.loopSeconds).median;
  const side = against === 'units' ? 'units by hand' : 'graph';
  log(`  medians${processes > 1 ? ` of ${processes} processes' rounds` : ''}: ${side} ${graphMedian.toFixed(3)} s, loop ${loopMedian.toFixed(3)} s; overhead ${overhead.median.toFixed(1)} % (IQR ${overhead.q1.toFixed(1)} to ${overhead.q3.toFixed(1)}); in CPU time ${cpuOverhead.median.toFixed(1)} % (IQR ${cpuOverhead.q1.toFixed(1)} to ${cpuOverhead.q3.toFixed(1)}); the same answers: ${r.same}`);
  return {
    overhead_pct: r2(overhead.median),
    ...figure('overhead_pct', r.overheadPct, 2),
    ...figure('graph_seconds', r.graphSeconds),
    ...figure('loop_seconds', r.loopSeconds),
    ...figure('overhead_cpu_pct', r.cpuPct, 2),
    ...figure('overhead_cpu_us_per_item', r.cpuExtraMicros, 1),
    ...figure('loop_cpu_us_per_item', r.loopCpuMicros, 1),
    overhead_pct_process_medians: processMedians.map((m) => r2(m)),
    rounds,
    processes,
    images,
    same_answers: r.same,
    items_per_s: r2(images / graphMedian, 0),
    loop_items_per_s: r2(images / loopMedian, 0),
  };
}

/** One process's rounds of an overhead part: this bench run again for that part alone (see overheadPart). */
async function roundsInProcess(part: string): Promise<OverheadRounds> {
  const args = process.argv.slice(2).filter((a, k, all) => !['--parts', '--processes'].includes(a) && !['--parts', '--processes'].includes(all[k - 1] ?? '') && !a.startsWith('--parts=') && !a.startsWith('--processes='));
  const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), ...args, '--parts', part, '--processes', '1', '--rounds-json'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => void (out += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`${part}: its process ended with code ${code}`);
  const last = JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as Record<string, unknown>;
  const rounds_ = Object.values(last).find((v) => v && typeof v === 'object' && 'overheadPct' in v) as OverheadRounds | undefined;
  if (!rounds_) throw new Error(`${part}: its process printed no rounds`);
  return rounds_;
}

// ---- the scheduler's own cost: items through six units that do nothing

async function schedulerPart(): Promise<Record<string, unknown>> {
  const pass = defineUnit({ name: 'pass', kind: 'normal', description: 'passes', inputs: [['in', 'any']], outputs: [['out', 'any']], open: () => ({ process: (batch) => batch.map((item) => ({ ports: { out: item.ports.in } })) }) });
  const CHAIN = `[graph]\ngraphconf = """digraph chain { in[type=input] a[type=flowunit, flowunit=pass] b[type=flowunit, flowunit=pass] c[type=flowunit, flowunit=pass] d[type=flowunit, flowunit=pass] e[type=flowunit, flowunit=pass] f[type=flowunit, flowunit=pass] out[type=output] in -> a:in a:out -> b:in b:out -> c:in c:out -> d:in d:out -> e:in e:out -> f:in f:out -> out }"""\n`;
  const { graph: chain } = await loadGraphText(CHAIN, path.join(work, 'chain.toml'), { units: [pass], env: {} });
  const CHAIN_ITEMS = 50_000;
  // Fused (the default), the six units are one node and the output is called by it: what is left is the units'
  // calls and the per-item bookkeeping. Unfused, every unit is a node of its own behind a queue: the cost of a hop.
  const perHop = async (fuse: boolean): Promise<number[]> => {
    const hopMicros: number[] = [];
    for (let r = 0; r < Math.min(rounds, 7); r++) {
      const flow = await Flow.open(chain, { fuse, log: () => undefined, inputs: { in: Array.from({ length: CHAIN_ITEMS }, (_, k) => k) }, outputs: { out: () => undefined } });
      const t = performance.now();
      await flow.start();
      hopMicros.push(((performance.now() - t) * 1000) / CHAIN_ITEMS / 6);
    }
    return hopMicros;
  };
  const fused = await perHop(true);
  const unfused = await perHop(false);
  log(`scheduler: ${spread(fused).median.toFixed(2)} us per item per unit fused, ${spread(unfused).median.toFixed(2)} us unfused (${CHAIN_ITEMS} items through 6 units that do nothing, ${fused.length} runs each)`);
  return { scheduler_us_per_item_per_unit: r2(spread(fused).median), ...figure('scheduler_us_per_item_per_unit', fused, 2), ...figure('scheduler_unfused_us_per_item_per_unit', unfused, 2) };
}

// ---- the video graph on vtest.avi

async function videoPart(): Promise<Record<string, unknown>> {
  const video = ensureVtest(log);
  const DETECTOR: ModelSpec = {
    inputShape: [320, 320, 3],
    layers: [
      { type: 'conv2d', filters: 8, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' },
      { type: 'maxPooling2d', poolSize: 4 },
      { type: 'conv2d', filters: 16, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' },
      { type: 'maxPooling2d', poolSize: 4 },
      { type: 'flatten' },
      { type: 'dense', units: 6 },
    ],
  };
  let seed = 1;
  const random = (): number => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648) * 0.2 - 0.1;
  const weights = weightShapes(DETECTOR).map((w) => ({ name: w.name, shape: w.shape, data: Float32Array.from({ length: w.shape.reduce((x, y) => x * y, 1) }, random) }));
  const detectorFile = path.join(work, 'detector.onnx');
  await writeFile(detectorFile, exportToOnnx({ spec: DETECTOR, weights }));
  /** The video graph: decode -> to 320x320 -> normalize -> detector; `scale` says where the resize happens. */
  const videoGraphText = (scale: 'ffmpeg' | 'resize-unit', maxFrames: number): string => {
    const demuxer = scale === 'ffmpeg' ? `width=320, height=320, max_frames=${maxFrames}` : `max_frames=${maxFrames}`;
    const resize = scale === 'resize-unit' ? `image_resize[type=flowunit, flowunit=resize, image_width=320, image_height=320, threads=2, concurrency=4]` : '';
    const resizeEdges = scale === 'resize-unit' ? 'videodecoder:out_video_frame -> image_resize:in_image\n  image_resize:out_image -> normalize:in_data' : 'videodecoder:out_video_frame -> normalize:in_data';
    return `[graph]\ngraphconf = """digraph video {
  video_input[type=flowunit, flowunit=video_input, source_url="${video}"]
  videodemuxer[type=flowunit, flowunit=video_demuxer, ${demuxer}]
  videodecoder[type=flowunit, flowunit=video_decoder, pix_fmt=rgb]
  ${resize}
  normalize[type=flowunit, flowunit=normalize, standard_deviation_inverse="0.00392156862745098"]
  detector[type=flowunit, flowunit=onnx_inference, model_url="${detectorFile}", batch_size=4]
  out[type=output]
  video_input:out_video_url -> videodemuxer:in_video_url
  videodemuxer:out_video_packet -> videodecoder:in_video_packet
  ${resizeEdges}
  normalize:out_data -> detector:input
  detector:output -> out
}"""\n`;
  };
  const videoRun = async (scale: 'ffmpeg' | 'resize-unit', maxFrames: number): Promise<{ frames: number; seconds: number; cpuMsPerFrame: number }> => {
    const { graph } = await loadGraphText(videoGraphText(scale, maxFrames), path.join(work, `video-${scale}.toml`), { env: {} });
    let count = 0;
    const flow = await Flow.open(graph, { env: {}, log: () => undefined, outputs: { out: () => void count++ } });
    const cpu = cpuWithChildren();
    const t = performance.now(); // the detector is loaded in open(); ffprobe and ffmpeg start inside the run
    await flow.start();
    const seconds = (performance.now() - t) / 1000;
    const cpuMsPerFrame = ((cpuWithChildren() - cpu) * 1000) / Math.max(1, count);
    for (const u of flow.metrics.snapshot().units) if (u.batches) log(`  ${u.node}: ${u.itemsOut} out, ${((u.busySeconds / Math.max(1, u.batches)) * 1000).toFixed(2)} ms per call`);
    log(`  ${count} frames in ${seconds.toFixed(2)} s: ${(count / seconds).toFixed(1)} frames/s, ${cpuMsPerFrame.toFixed(1)} ms of CPU a frame with ffmpeg's (${scale === 'ffmpeg' ? 'scaled by ffmpeg' : 'resize unit, 2 worker threads'})`);
    return { frames: count, seconds, cpuMsPerFrame };
  };
  log(`video graph on ${video}: decode -> 768x576 to 320x320 -> normalize -> detector stand-in, ${videoRounds} runs`);
  const scaled: { frames: number; seconds: number; cpuMsPerFrame: number }[] = [];
  for (let k = 0; k < videoRounds; k++) scaled.push(await videoRun('ffmpeg', Number(values.frames)));
  const jsResize = await videoRun('resize-unit', Number(values['resize-frames']));
  const fps = scaled.map((run) => run.frames / run.seconds);
  return {
    frames_per_s: r2(spread(fps).median, 1),
    ...figure('frames_per_s', fps, 1),
    // CPU time (this process's threads and ffmpeg's) moves much less than the wall time when other work shares
    // the machine: what a frame costs, whatever the load.
    ...figure('video_cpu_ms_per_frame', scaled.map((run) => run.cpuMsPerFrame), 2),
    video_rounds: videoRounds,
    video_frames: scaled[0]?.frames ?? 0,
    video_input: '768x576 vtest.avi -> 320x320 (scaled by ffmpeg)',
    frames_per_s_resize_unit: r2(jsResize.frames / jsResize.seconds, 1),
    resize_unit_frames: jsResize.frames,
  };
}

/**
 * CPU seconds of this process (every thread) and of its children that have ended (ffmpeg, ffprobe: the kernel adds
 * a child's time to cutime/cstime of /proc/self/stat once it is reaped).
 */
function cpuWithChildren(): number {
  const own = process.cpuUsage();
  const fields = readFileSync('/proc/self/stat', 'utf8').replace(/^.*\) /, '').split(' ');
  // After the ") ": state is field 3 of stat(5), so cutime (16) and cstime (17) are at 13 and 14 here.
  const ticks = Number(fields[13]) + Number(fields[14]);
  return (own.user + own.system) / 1e6 + ticks / CLOCK_TICKS;
}
/** sysconf(_SC_CLK_TCK): 100 on Linux. */
const CLOCK_TICKS = 100;

// ---- memory under backpressure

async function memoryPart(): Promise<Record<string, unknown>> {
  const FRAME_BYTES = 768 * 576 * 3;
  const ITEMS = 600;
  const burst = defineUnit({
    name: 'burst',
    kind: 'source',
    description: 'new 1.3 MB frames as fast as they are taken',
    outputs: [['out', 'any']],
    open: () => ({
      async *source() {
        for (let k = 0; k < ITEMS; k++) yield { ports: { out: new Uint8Array(FRAME_BYTES).fill(k & 255) } };
      },
    }),
  });
  const slow = defineUnit({
    name: 'slow',
    kind: 'normal',
    description: '10 ms an item',
    inputs: [['in', 'any']],
    outputs: [['out', 'any']],
    open: () => ({
      async process(batch) {
        await new Promise((resolve) => setTimeout(resolve, 10));
        return batch.map((item) => ({ ports: { out: (item.ports.in as Uint8Array)[0] } }));
      },
    }),
  });
  const { graph: bpGraph } = await loadGraphText(`[graph]\ngraphconf = """digraph bp { s[type=flowunit, flowunit=burst] w[type=flowunit, flowunit=slow] out[type=output] s:out -> w:in w:out -> out }"""\n`, path.join(work, 'bp.toml'), { units: [burst, slow], env: {} });
  global.gc?.();
  const samples: number[] = [];
  const sampler = setInterval(() => samples.push(process.memoryUsage().rss / 2 ** 20), 50);
  let bpItems = 0;
  const bpStart = performance.now();
  const flow = await Flow.open(bpGraph, { env: {}, log: () => undefined, outputs: { out: () => void bpItems++ } });
  await flow.start();
  clearInterval(sampler);
  const peakRss = Math.max(...samples);
  const quarter = Math.max(1, Math.floor(samples.length / 4));
  const mean = (xs: number[]): number => xs.reduce((x, y) => x + y, 0) / xs.length;
  const firstQuarter = mean(samples.slice(0, quarter));
  const lastQuarter = mean(samples.slice(-quarter));
  log(`backpressure: ${bpItems} frames of ${(FRAME_BYTES / 2 ** 20).toFixed(1)} MB (${((ITEMS * FRAME_BYTES) / 2 ** 20).toFixed(0)} MB in all) through a 10 ms unit in ${((performance.now() - bpStart) / 1000).toFixed(1)} s; RSS peak ${peakRss.toFixed(0)} MB, first quarter ${firstQuarter.toFixed(0)} MB, last quarter ${lastQuarter.toFixed(0)} MB`);
  return { peak_rss_mb: r2(peakRss, 0), rss_first_quarter_mb: r2(firstQuarter, 0), rss_last_quarter_mb: r2(lastQuarter, 0), backpressure_mb_pushed: r2((ITEMS * FRAME_BYTES) / 2 ** 20, 0) };
}

// ---- merging metas: spreads against Object.assign

/**
 * `--parts meta_merge`: what merging an item's meta with what its units added costs, written out in place as a
 * compiled chain does (item-chain.ts): per item a fresh `{ index }` and the metas of the joint inference graph's units
 * (the model version, the mining's verdict, on a quarter of the items who answered). Four ways, interleaved rounds,
 * ns an item: a spread after each unit (`{ ...meta, ...added }`, what the scheduler did), Object.assign after each
 * unit, one Object.assign of all of them at the end (what a compiled chain did until this round), and one merge by a
 * function written for the keys of each combination of frozen metas (runtime/meta-merge.ts, what it does now).
 */
async function metaMergePart(): Promise<Record<string, unknown>> {
  const version = Object.freeze({ model_version: 'initial' });
  const verdicts = [Object.freeze({ hard: true }), Object.freeze({ hard: false })];
  const cloud = Object.freeze({ answered_by: 'cloud' });
  const ITEMS = 200_000;
  let keys = 0;
  const timedLoop = (merge: (i: number) => object) => async (): Promise<number> => {
    const t = performance.now();
    for (let i = 0; i < ITEMS; i++) keys += Object.keys(merge(i)).length;
    return (performance.now() - t) / 1000;
  };
  const spreads = timedLoop((i) => {
    let meta: object = { ...{ index: i }, ...version };
    meta = { ...meta, ...(verdicts[i & 1] as object) };
    if ((i & 3) === 0) meta = { ...meta, ...cloud };
    return meta;
  });
  const assigns = timedLoop((i) => {
    let meta: object = Object.assign({}, { index: i }, version);
    meta = Object.assign({}, meta, verdicts[i & 1] as object);
    if ((i & 3) === 0) meta = Object.assign({}, meta, cloud);
    return meta;
  });
  const once = timedLoop((i) => Object.assign({}, { index: i }, version, verdicts[i & 1] as object, (i & 3) === 0 ? cloud : undefined));
  // What a compiled chain does (runtime/meta-merge.ts): a function written for the keys of each combination.
  const merge = metaMerge(4);
  const built = timedLoop((i) => merge({ index: i }, undefined, version, verdicts[i & 1], (i & 3) === 0 ? cloud : undefined));
  const ways = { spreads, assigns, once, built };
  type Way = keyof typeof ways;
  const runs = Math.min(rounds, 11);
  const ns = (seconds: number): number => (seconds * 1e9) / ITEMS;
  const times: Record<Way, number[]> = { spreads: [], assigns: [], once: [], built: [] };
  for (let r = 0; r < runs + 1; r++) {
    // The order turns every round; the first round warms up and is not kept.
    const order = (Object.keys(ways) as Way[]).map((_, k, all) => all[(k + r) % all.length] as Way);
    for (const way of order) {
      const seconds = await ways[way]();
      if (r > 0) times[way].push(ns(seconds));
    }
  }
  const median = (xs: number[]): number => spread(xs).median;
  // Every merged meta has its index and version: fewer keys would mean a way merged nothing.
  if (keys < ITEMS * 2 * 4 * (runs + 1)) throw new Error(`meta merge: ${keys} keys in the merged metas, fewer than every item's index and version`);
  log(`meta merge (${ITEMS} items, 2.25 merges each, ${runs} rounds): spreads ${median(times.spreads).toFixed(0)} ns an item, Object.assign ${median(times.assigns).toFixed(0)}, one Object.assign at the end ${median(times.once).toFixed(0)}, one merge by a function written for the keys (meta-merge.ts) ${median(times.built).toFixed(0)}`);
  return { ...figure('meta_merge_spreads_ns_per_item', times.spreads, 0), ...figure('meta_merge_assigns_ns_per_item', times.assigns, 0), ...figure('meta_merge_once_ns_per_item', times.once, 0), ...figure('meta_merge_built_ns_per_item', times.built, 0) };
}

/** The line variant's figures, named line_*. */
async function overheadLinePart(): Promise<Record<string, unknown>> {
  const figures = await overheadPart('overhead_line', 'line');
  return Object.fromEntries(Object.entries(figures).filter(([k]) => !['rounds', 'images'].includes(k)).map(([k, v]) => [`line_${k}`, v]));
}

/** A new flow each round against the loop, named per_round_*. */
async function overheadPerRoundPart(): Promise<Record<string, unknown>> {
  const figures = await overheadPart('overhead_per_round', 'mining', 'graph', true);
  return Object.fromEntries(Object.entries(figures).filter(([k]) => !['rounds', 'images'].includes(k)).map(([k, v]) => [`per_round_${k}`, v]));
}

/** The skeleton graph (lean-units.ts) against the loop, named skeleton_*. */
async function overheadSkeletonPart(): Promise<Record<string, unknown>> {
  const figures = await overheadPart('overhead_skeleton', 'mining', 'skeleton');
  return Object.fromEntries(Object.entries(figures).filter(([k]) => !['rounds', 'images'].includes(k)).map(([k, v]) => [`skeleton_${k}`, v]));
}

/** The graph of lean units (lean-units.ts) against the loop, named lean_*. */
async function overheadLeanPart(): Promise<Record<string, unknown>> {
  const figures = await overheadPart('overhead_lean', 'mining', 'lean');
  return Object.fromEntries(Object.entries(figures).filter(([k]) => !['rounds', 'images'].includes(k)).map(([k, v]) => [`lean_${k}`, v]));
}

/** The units called by hand against the loop, named units_*. */
async function overheadUnitsPart(): Promise<Record<string, unknown>> {
  const figures = await overheadPart('overhead_units', 'mining', 'units');
  return Object.fromEntries(Object.entries(figures).filter(([k]) => !['rounds', 'images', 'items_per_s'].includes(k)).map(([k, v]) => [`units_${k}`, v]));
}

/** The graph with its fused node on the general path (no compiled chain) against the loop, named general_*. */
async function overheadGeneralPart(): Promise<Record<string, unknown>> {
  const figures = await overheadPart('overhead_general', 'mining', 'general');
  return Object.fromEntries(Object.entries(figures).filter(([k]) => !['rounds', 'images'].includes(k)).map(([k, v]) => [`general_${k}`, v]));
}

/** The graph and the loop with stand-ins for the models (stand-ins.ts), named stand_ins_*. */
async function overheadStandInsPart(): Promise<Record<string, unknown>> {
  const paths = await readyModels(values.models!, log);
  const raw = await testImages(images);
  return standInsPart({ raw, littleModel: paths.little, bigModel: paths.big, threshold, rounds, warmup: Number(values.warmup), work, log, evictKb: Number(values['stand-ins-evict-kb']), nextTurn: values['stand-ins-next-turn'] === true, evictFunctions: Number(values['stand-ins-evict-functions']) });
}

/** Where the graph's extra CPU goes, each side alone under perf (cpu-split.ts), named cpu_split_*. */
async function cpuSplitPart_(): Promise<Record<string, unknown>> {
  await readyModels(values.models!, log);
  return cpuSplitPart({ rounds: Math.min(rounds, 10), images, models: values.models!, threshold, runs: Number(values['split-runs']), top: Number(values['split-top']), log });
}

/** Instructions and instruction-cache misses an image on each side, counted under callgrind (instructions.ts). */
async function instructionsPart_(): Promise<Record<string, unknown>> {
  await readyModels(values.models!, log);
  return instructionsPart({ models: values.models!, threshold, images: Math.min(images, 500), rounds: 2, warmup: 16, log });
}

async function codeSizesPart_(): Promise<Record<string, unknown>> {
  await readyModels(values.models!, log);
  return codeSizesPart({ images, models: values.models!, threshold, log });
}

const PARTS: Record<string, () => Promise<Record<string, unknown>>> = { overhead: () => overheadPart('overhead'), overhead_line: overheadLinePart, overhead_per_round: overheadPerRoundPart, overhead_lean: overheadLeanPart, overhead_skeleton: overheadSkeletonPart, overhead_units: overheadUnitsPart, overhead_general: overheadGeneralPart, overhead_stand_ins: overheadStandInsPart, meta_merge: metaMergePart, cpu_split: cpuSplitPart_, code_sizes: codeSizesPart_, instructions: instructionsPart_, scheduler: schedulerPart, video: videoPart, memory: memoryPart };
const chosen = values.parts!.split(',').map((p) => p.trim()).filter(Boolean);
for (const p of chosen) if (!PARTS[p]) throw new Error(`--parts: unknown part ${p} (known: ${Object.keys(PARTS).join(', ')})`);
const results: Record<string, unknown> = {};
for (const p of Object.keys(PARTS)) if (chosen.includes(p)) Object.assign(results, await (PARTS[p] as () => Promise<Record<string, unknown>>)());
await rm(work, { recursive: true, force: true });
console.log(JSON.stringify(results));
process.exit(0);
