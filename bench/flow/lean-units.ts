/**
 * Graphs of lean units for the flow bench, each unit opened on the hand-written loop's own calls (the same estimator,
 * mining filter and big model client, the same normalizing loop, the same arg max), with nothing more: no inference
 * records, no metas, no checks of what comes in, no decode unit (the normalizing unit reads the bytes). Each unit
 * has processOne(), which a compiled chain calls for every item.
 *
 * - `npm run bench -- flow --parts overhead_lean` (leanGraph): the joint inference edge pipeline's shape, one unit
 *   per step of the loop. Against the loop it gives what the runtime costs around the steps of that shape (the
 *   input, the compiled chain with its counts and checks, the unit protocol's ports objects, the output); the real
 *   graph's overhead (`overhead`) less this one is what its units do beyond the loop's steps.
 * - `npm run bench -- flow --parts overhead_skeleton` (skeletonGraph): one unit that does all of the loop's steps for
 *   an image, then five units that pass it on. Against the loop it gives the runtime's envelope around a stream's
 *   items with six units in the chain, without the units' own work split into six.
 */
import { CrossEntropyFilter } from '@sedna/lib/algorithms';
import type { Tensor } from '@sedna/lib/common';
import { OnnxEstimator } from '@sedna/lib/estimators/onnx';
import { defineUnit, loadGraphText, type BuiltGraph, type UnitDefinition, type UnitInput, type UnitOutput } from '@sedna/lib/flow';
import { probabilities } from '@sedna/lib/incremental-learning';
import { BigModelClient } from '@sedna/lib/joint-inference';

/** What goes from the little model on: the sample sent, and the answer that counts so far. */
interface Answered {
  readonly x: Tensor;
  readonly out: Tensor;
}

const LEAN_GRAPH = `[graph]\ngraphconf = """digraph lean {
  in[type=input]
  preprocess[type=flowunit, flowunit=lean_normalize]
  infer[type=flowunit, flowunit=lean_little_model]
  mining[type=flowunit, flowunit=lean_mining]
  cloud[type=flowunit, flowunit=lean_big_model]
  result[type=flowunit, flowunit=lean_class]
  out[type=output]
  in -> preprocess:in
  preprocess:out -> infer:in
  infer:out -> mining:in
  mining:hard -> cloud:in
  mining:easy -> result:in
  cloud:out -> result:in
  result:out -> out
}"""\n`;

const SKELETON_GRAPH = `[graph]\ngraphconf = """digraph skeleton {
  in[type=input]
  step[type=flowunit, flowunit=lean_whole_step]
  pass1[type=flowunit, flowunit=lean_pass]
  pass2[type=flowunit, flowunit=lean_pass]
  pass3[type=flowunit, flowunit=lean_pass]
  pass4[type=flowunit, flowunit=lean_pass]
  pass5[type=flowunit, flowunit=lean_pass]
  out[type=output]
  in -> step:in step:out -> pass1:in pass1:out -> pass2:in pass2:out -> pass3:in pass3:out -> pass4:in pass4:out -> pass5:in pass5:out -> out
}"""\n`;

/** The loop's steps on its own estimator, filter and client. */
interface Steps {
  normalize(bytes: Uint8Array): Tensor;
  littleModel(x: Tensor): Promise<Answered>;
  isHard(a: Answered): boolean;
  bigModel(a: Answered): Promise<Answered>;
  classOf(a: Answered): number;
  close(): void;
}

async function openSteps(littleModel: string, threshold: number, bigModelPort: number): Promise<Steps> {
  const little = new OnnxEstimator();
  await little.load(littleModel);
  const filter = new CrossEntropyFilter({ threshold_cross_entropy: threshold });
  const client = new BigModelClient({ host: '127.0.0.1', port: bigModelPort, jobName: 'bench' });
  return {
    normalize(b) {
      const data = new Float32Array(b.length);
      for (let k = 0; k < b.length; k++) data[k] = (b[k] as number) * 0.00392156862745098;
      return { data, shape: [1, 784] };
    },
    littleModel: (x) => little.predict(x).then((out) => ({ x, out })),
    isHard: (a) => filter.isHard(probabilities(a.out)),
    bigModel: (a) => client.predict(a.x).then((out) => ({ x: a.x, out })),
    classOf(a) {
      const data = a.out.data;
      let best = 0;
      for (let k = 1; k < data.length; k++) if ((data[k] as number) > (data[best] as number)) best = k;
      return best;
    },
    close() {
      client.close();
      little.dispose();
    },
  };
}

/** A lean unit: `one` on the item's value (processOne), and on each item of a batch (process). */
function leanUnit(name: string, kind: 'normal' | 'condition', outputs: readonly string[], one: (value: unknown) => UnitOutput | Promise<UnitOutput>): UnitDefinition {
  return defineUnit({
    name,
    kind,
    ignoresMeta: true,
    description: `the loop's step ${name}`,
    inputs: [['in', 'any']],
    outputs: outputs.map((port) => [port, 'any'] as const),
    open: () => ({
      processOne: (input: UnitInput) => one(input.ports.in),
      process: (batch) => Promise.all(batch.map((item) => one(item.ports.in))),
    }),
  });
}

/** The lean graph, its units opened on the loop's own estimator, filter and client (made here, closed by close()). */
export async function leanGraph(littleModel: string, threshold: number, bigModelPort: number, file: string): Promise<{ graph: BuiltGraph; close(): void }> {
  const steps = await openSteps(littleModel, threshold, bigModelPort);
  const units = [
    leanUnit('lean_normalize', 'normal', ['out'], (bytes) => ({ ports: { out: steps.normalize(bytes as Uint8Array) } })),
    leanUnit('lean_little_model', 'normal', ['out'], (x) => steps.littleModel(x as Tensor).then((a) => ({ ports: { out: a } }))),
    leanUnit('lean_mining', 'condition', ['hard', 'easy'], (a) => ({ ports: steps.isHard(a as Answered) ? { hard: a } : { easy: a } })),
    leanUnit('lean_big_model', 'normal', ['out'], (a) => steps.bigModel(a as Answered).then((b) => ({ ports: { out: b } }))),
    leanUnit('lean_class', 'normal', ['out'], (a) => ({ ports: { out: { class: steps.classOf(a as Answered) } } })),
  ];
  const { graph } = await loadGraphText(LEAN_GRAPH, file, { units, env: {} });
  return { graph, close: () => steps.close() };
}

/** The skeleton graph: one unit doing all of the loop's steps, five passing its answer on. */
export async function skeletonGraph(littleModel: string, threshold: number, bigModelPort: number, file: string): Promise<{ graph: BuiltGraph; close(): void }> {
  const steps = await openSteps(littleModel, threshold, bigModelPort);
  const whole = async (bytes: Uint8Array): Promise<UnitOutput> => {
    let a = await steps.littleModel(steps.normalize(bytes));
    if (steps.isHard(a)) a = await steps.bigModel(a);
    return { ports: { out: { class: steps.classOf(a) } } };
  };
  const units = [leanUnit('lean_whole_step', 'normal', ['out'], (bytes) => whole(bytes as Uint8Array)), leanUnit('lean_pass', 'normal', ['out'], (value) => ({ ports: { out: value } }))];
  const { graph } = await loadGraphText(SKELETON_GRAPH, file, { units, env: {} });
  return { graph, close: () => steps.close() };
}
