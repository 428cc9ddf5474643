/**
 * `npm run bench -- flow --parts overhead_lean`: the joint inference edge pipeline as a graph of lean units, each of
 * which does exactly one of the hand-written loop's steps with the loop's own calls (the same estimator, mining filter
 * and big model client, the same normalizing loop, the same arg max) and nothing more: no inference records, no
 * metas, no checks of what comes in, no decode unit (the normalizing unit reads the bytes). Against the loop it gives
 * the runtime's share of the graph's overhead (the scheduler, the ports objects and lists of the unit protocol,
 * the compiled chain, the metrics, the input and the output); the real graph's overhead (`overhead`) less this one
 * is what its units do beyond the loop's steps.
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

const GRAPH = `[graph]\ngraphconf = """digraph lean {
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

/** The lean graph, its units opened on the loop's own estimator, filter and client (made here, closed by close()). */
export async function leanGraph(littleModel: string, threshold: number, bigModelPort: number, file: string): Promise<{ graph: BuiltGraph; close(): void }> {
  const little = new OnnxEstimator();
  await little.load(littleModel);
  const filter = new CrossEntropyFilter({ threshold_cross_entropy: threshold });
  const client = new BigModelClient({ host: '127.0.0.1', port: bigModelPort, jobName: 'bench' });
  const unit = (name: string, kind: 'normal' | 'condition', outputs: readonly string[], process: (value: unknown) => UnitOutput | Promise<UnitOutput>): UnitDefinition =>
    defineUnit({
      name,
      kind,
      ignoresMeta: true,
      description: `the loop's step ${name}`,
      inputs: [['in', 'any']],
      outputs: outputs.map((port) => [port, 'any'] as const),
      // batch_size 1 (the compiled chain): the batch is one item.
      open: () => ({
        process: (batch) => {
          const answer = process((batch[0] as UnitInput).ports.in);
          return answer instanceof Promise ? answer.then((one) => [one]) : [answer];
        },
      }),
    });
  const units = [
    unit('lean_normalize', 'normal', ['out'], (bytes) => {
      const b = bytes as Uint8Array;
      const data = new Float32Array(b.length);
      for (let k = 0; k < b.length; k++) data[k] = (b[k] as number) * 0.00392156862745098;
      return { ports: { out: { data, shape: [1, 784] } } };
    }),
    unit('lean_little_model', 'normal', ['out'], (x) => little.predict(x as Tensor).then((out) => ({ ports: { out: { x: x as Tensor, out } } }))),
    unit('lean_mining', 'condition', ['hard', 'easy'], (a) => ({ ports: filter.isHard(probabilities((a as Answered).out)) ? { hard: a } : { easy: a } })),
    unit('lean_big_model', 'normal', ['out'], (a) => client.predict((a as Answered).x).then((out) => ({ ports: { out: { x: (a as Answered).x, out } } }))),
    unit('lean_class', 'normal', ['out'], (a) => {
      const data = (a as Answered).out.data;
      let best = 0;
      for (let k = 1; k < data.length; k++) if ((data[k] as number) > (data[best] as number)) best = k;
      return { ports: { out: { class: best } } };
    }),
  ];
  const { graph } = await loadGraphText(GRAPH, file, { units, env: {} });
  return {
    graph,
    close() {
      client.close();
      little.dispose();
    },
  };
}
