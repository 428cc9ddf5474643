/**
 * `npm run bench -- flow --parts overhead_stand_ins`: the joint inference edge graph and the hand-written loop of
 * the `overhead` part with the two models replaced by stand-ins that answer at once with the answers the real models
 * gave for these images (computed once, before the rounds): the little model's in `onnx_inference`'s place, the big
 * model service's in `cloud_inference`'s, each answering with a promise as ONNX Runtime and the HTTP client do. The
 * steps around them are the same on both sides (decode, normalize, CrossEntropy mining, the class), so what is left
 * of the difference is the graph's own per-image work: the scheduler's, and its units' records and metas. Compared
 * with `overhead_cpu_us_per_item`, it tells how much of the graph's overhead is its own code and how much is the
 * lib's calls (ONNX Runtime, the HTTP client and server) costing more beside it. The graph is opened once and fed
 * round after round, as in the overhead part (a new flow every round let V8 deoptimize the runtime's code for each
 * flow's new functions, in some processes and not in others).
 */
import path from 'node:path';
import { CrossEntropyFilter } from '@sedna/lib/algorithms';
import type { Tensor } from '@sedna/lib/common';
import { OnnxEstimator } from '@sedna/lib/estimators/onnx';
import { defineUnit, loadGraphText, type UnitOutput } from '@sedna/lib/flow';
import { probabilities } from '@sedna/lib/incremental-learning';
import { figure, interleave, round as r2, spread } from '../common/stats.js';
import { openGraphRunner } from './ji-pipeline.js';

export interface StandInSettings {
  readonly raw: readonly Uint8Array[];
  readonly littleModel: string;
  readonly bigModel: string;
  readonly threshold: number;
  readonly rounds: number;
  readonly warmup: number;
  readonly work: string;
  readonly log: (line: string) => void;
  /**
   * KB of memory each stand-in walks (one read per 64-byte cache line) before it answers, on both sides alike (0:
   * none): the real models' calls run a lot of other code and data through the caches between the graph's steps;
   * this puts the same kind of disturbance back, so the graph's own work can be timed with its code and data
   * evicted between steps as they are beside the real models.
   */
  readonly evictKb: number;
  /**
   * The stand-ins answer on the next turn of the event loop (setImmediate, as onnxruntime-node's run does) rather
   * than with a promise already resolved, on both sides alike: each image then crosses event loop turns as with the
   * real models.
   */
  readonly nextTurn: boolean;
  /**
   * Distinct small functions each stand-in calls first, on both sides alike (0: none): their machine code goes
   * through the instruction caches, as ONNX Runtime's, the HTTP stack's and the kernel's code does between the
   * graph's steps beside the real models.
   */
  readonly evictFunctions: number;
}

/** Each side goes through the images this many times a round: a round of a few milliseconds is too short to time. */
const PASSES = 10;

export async function standInsPart(settings: StandInSettings): Promise<Record<string, unknown>> {
  const { threshold, rounds, log } = settings;
  const count = settings.raw.length;
  const raw = Array.from({ length: count * PASSES }, (_, k) => settings.raw[k % count] as Uint8Array);
  const images = raw.length;
  // The real models' answers for every image, once: the stand-ins give them back.
  const answers = async (model: string): Promise<Tensor[]> => {
    const estimator = new OnnxEstimator();
    await estimator.load(model);
    const out: Tensor[] = [];
    for (const bytes of settings.raw) out.push(await estimator.predict({ data: Float32Array.from(bytes, (v) => v * 0.00392156862745098), shape: [1, 784] }));
    estimator.dispose();
    return out;
  };
  // What the walks below read, kept so that they are not optimized away.
  let evicted = 0;
  // Each function its own code (a body of its own, so V8 compiles each separately).
  const codeWalk = Array.from({ length: settings.evictFunctions }, (_, k) => new Function('x', `let a = x + ${k}; for (let i = 0; i < 3; i++) { a = (a * ${(k % 7) + 3} + ${k}) % ${1000 + k}; if (a > ${k % 500}) a -= ${k % 13}; else a += ${k % 11}; } return a;`) as (x: number) => number);
  const walkCode = (): void => {
    let x = 0;
    for (let k = 0; k < codeWalk.length; k++) x = (codeWalk[k] as (x: number) => number)(x);
    evicted += x & 1;
  };
  // The memory the stand-ins walk.
  const evictBytes = new Uint8Array(settings.evictKb * 1024);
  const evict = (): void => {
    walkCode();
    let sum = 0;
    for (let k = 0; k < evictBytes.length; k += 64) sum += evictBytes[k] as number;
    evicted += sum + 1;
  };
  /** A stand-in's answer: resolved at once, or on the next turn of the event loop (settings.nextTurn). */
  const answer = <T>(value: T): Promise<T> => (settings.nextTurn ? new Promise((resolve) => setImmediate(() => resolve(value))) : Promise.resolve(value));
  const little = await answers(settings.littleModel);
  const big = await answers(settings.bigModel);

  // The stand-in units: the records and metas the real units make, the answer by the item's index.
  const standInInference = defineUnit({
    name: 'stand_in_inference',
    kind: 'normal',
    description: "onnx_inference's stand-in: the little model's answer for the item, at once",
    inputs: [['input', 'tensor']],
    outputs: [['out_inference', 'inference']],
    open: () => ({
      process: (batch) => (evict(), answer(batch.map((item): UnitOutput => ({ ports: { out_inference: { input: item.ports.input, output: little[(item.meta.index as number) % count], answeredBy: 'edge' } }, meta: { model_version: 'initial' } })))),
    }),
  });
  const standInCloud = defineUnit({
    name: 'stand_in_cloud',
    kind: 'normal',
    description: "cloud_inference's stand-in: the big model's answer for the item, at once",
    inputs: [['in_inference', 'inference']],
    outputs: [['out_inference', 'inference']],
    open: () => ({
      process: (batch) =>
        (evict(), answer(
          batch.map((item): UnitOutput => {
            const record = item.ports.in_inference as { input: Tensor; output: Tensor; answeredBy: string; hard?: boolean };
            return { ports: { out_inference: { input: record.input, output: big[(item.meta.index as number) % count], answeredBy: 'cloud', hard: record.hard, edgeOutput: record.output } }, meta: { answered_by: 'cloud' } };
          }),
        )),
    }),
  });
  const env = { HEM_NAME: 'CrossEntropy', HEM_PARAMETERS: JSON.stringify([{ key: 'threshold_cross_entropy', value: String(threshold) }]) };
  const { graph } = await loadGraphText(
    `[graph]\ngraphconf = """digraph ji {
    in[type=input]
    decode[type=flowunit, flowunit=image_decode, format=raw, width=28, height=28, channels=1]
    preprocess[type=flowunit, flowunit=normalize, standard_deviation_inverse="0.00392156862745098"]
    infer[type=flowunit, flowunit=stand_in_inference]
    mining[type=flowunit, flowunit=hard_example_mining]
    cloud[type=flowunit, flowunit=stand_in_cloud]
    result[type=flowunit, flowunit=classification_result]
    out[type=output]
    in -> decode:in_data decode:out_image -> preprocess:in_data preprocess:out_data -> infer:input
    infer:out_inference -> mining:in_inference mining:hard -> cloud:in_inference mining:easy -> result:in_data
    cloud:out_inference -> result:in_data result:out_data -> out
  }"""\n`,
    path.join(settings.work, 'stand-ins.toml'),
    { units: [standInInference, standInCloud], env },
  );
  const filter = new CrossEntropyFilter({ threshold_cross_entropy: threshold });
  const cpuSeconds = (since: NodeJS.CpuUsage): number => {
    const used = process.cpuUsage(since);
    return (used.user + used.system) / 1e6;
  };
  const cpu: { graph: number[]; loop: number[] } = { graph: [], loop: [] };
  const classes: { graph: number[]; loop: number[] } = { graph: [], loop: [] };
  // The graph as a worker runs it (and as the overhead part does): one flow, fed round after round. The items'
  // indexes go on from round to round; each round is a whole number of passes, so index % count is still the image.
  const runner = await openGraphRunner(graph, env, images);
  const graphSide = async (): Promise<number> => {
    const c = process.cpuUsage();
    const t = performance.now();
    classes.graph = await runner.run(raw);
    cpu.graph.push(cpuSeconds(c));
    return (performance.now() - t) / 1000;
  };
  let inputs = 0;
  const loopSide = async (): Promise<number> => {
    const got: number[] = [];
    const c = process.cpuUsage();
    const t = performance.now();
    for (let i = 0; i < raw.length; i++) {
      const bytes = raw[i] as Uint8Array;
      const data = new Float32Array(bytes.length);
      for (let k = 0; k < bytes.length; k++) data[k] = (bytes[k] as number) * 0.00392156862745098;
      inputs += data.length; // the normalized sample is used, as the model would use it
      evict();
      let out = await answer(little[i % count] as Tensor);
      if (filter.isHard(probabilities(out))) {
        evict();
        out = await answer(big[i % count] as Tensor);
      }
      let best = 0;
      for (let k = 1; k < out.data.length; k++) if ((out.data[k] as number) > (out.data[best] as number)) best = k;
      got.push(best);
    }
    cpu.loop.push(cpuSeconds(c));
    classes.loop = got;
    return (performance.now() - t) / 1000;
  };
  log(`joint inference edge pipeline with stand-ins for the models${settings.evictKb ? ` (each walks ${settings.evictKb} KB)` : ''}${settings.nextTurn ? ' (answering on the next event loop turn)' : ''}${settings.evictFunctions ? ` (each calls ${settings.evictFunctions} distinct functions)` : ''}: ${count} images ${PASSES} times a round, ${rounds} interleaved rounds (graph vs hand-written loop)`);
  for (let w = 1; w < settings.warmup; w++) {
    await graphSide();
    await loopSide();
  }
  cpu.graph.length = 0;
  cpu.loop.length = 0;
  const timed = await interleave(rounds, graphSide, loopSide);
  await runner.close();
  // interleave() ran one unrecorded warm-up of each side first.
  const graphCpu = cpu.graph.slice(1);
  const loopCpu = cpu.loop.slice(1);
  const ratio = graphCpu.map((g, k) => (g / (loopCpu[k] as number) - 1) * 100);
  const extra = graphCpu.map((g, k) => ((g - (loopCpu[k] as number)) * 1e6) / images);
  const same = classes.loop.length === images && classes.loop.every((c, k) => c === classes.graph[k]);
  log(`  medians: graph ${spread(timed.a).median.toFixed(3)} s, loop ${spread(timed.b).median.toFixed(3)} s; in CPU time ${spread(ratio).median.toFixed(1)} % (${spread(extra).median.toFixed(1)} us an image); the same answers: ${same}`);
  return {
    ...figure('stand_ins_overhead_cpu_pct', ratio, 2),
    ...figure('stand_ins_overhead_cpu_us_per_item', extra, 1),
    ...figure('stand_ins_loop_cpu_us_per_item', loopCpu.map((c) => (c * 1e6) / images), 1),
    stand_ins_same_answers: same && inputs > 0 && evicted >= 0,
    stand_ins_evict_kb: settings.evictKb,
    stand_ins_next_turn: settings.nextTurn,
    stand_ins_evict_functions: settings.evictFunctions,
    stand_ins_overhead_pct: r2(spread(timed.ratio.map((x) => (x - 1) * 100)).median),
  };
}
