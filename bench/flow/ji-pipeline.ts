/**
 * The joint inference edge pipeline of the flow bench, shared by its parts (main.ts) and by the CPU split's side
 * runner (cpu-side.ts): the models, the test images, the big model's service, the graph's text, and the same steps
 * as a hand-written loop over the lib's estimator, mining filter and big model client, one image at a time.
 */
import { existsSync } from 'node:fs';
import { modelPaths } from '../../examples/joint_inference/fashion_mnist/models.js';
import { trainModels } from '../../examples/joint_inference/fashion_mnist/train.js';
import { CrossEntropyFilter } from '@sedna/lib/algorithms';
import { loadFashionMnist } from '@sedna/lib/datasources';
import { OnnxEstimator } from '@sedna/lib/estimators/onnx';
import { BigModelClient, BigModelService } from '@sedna/lib/joint-inference';
import { probabilities } from '@sedna/lib/incremental-learning';
import { Flow, FlowInput, type BuiltGraph } from '@sedna/lib/flow';

/** The joint inference example's little and big models in `dir`, trained there first when they are missing. */
export async function readyModels(dir: string, log: (line: string) => void): Promise<{ little: string; big: string }> {
  const paths = modelPaths(dir);
  if (!existsSync(paths.little) || !existsSync(paths.big)) {
    log(`training the joint inference example's models into ${dir}`);
    await trainModels({ outDir: dir, log });
  }
  return paths;
}

/** The first `count` Fashion-MNIST test images, each its 784 raw bytes. */
export async function testImages(count: number): Promise<Uint8Array[]> {
  const test = await loadFashionMnist({ split: 'test', count });
  return Array.from({ length: count }, (_, k) => test.pixels.subarray(k * 784, (k + 1) * 784));
}

/** The big model's service on a free loopback port, in this process (as both sides of the bench call it). */
export async function startBigModel(bigModel: string): Promise<{ port: number; stop(): Promise<void> }> {
  const big = new OnnxEstimator();
  await big.load(bigModel);
  const service = new BigModelService({ estimator: big, modelUrl: false, env: { JOB_NAME: 'bench', BIG_MODEL_BIND_IP: '127.0.0.1', BIG_MODEL_BIND_PORT: '0' }, log: () => undefined });
  const { port } = await service.start();
  return { port, stop: () => service.stop() };
}

/** `mining`: CrossEntropy sends the hard images to the big model; `line`: every image goes there. */
export type PipelineShape = 'mining' | 'line';

/** The graph: decode, normalize, the little model, the mining (or none), the big model, the class. */
export function jiGraphText(shape: PipelineShape): string {
  return `[graph]\ngraphconf = """digraph ji {
    in[type=input]
    decode[type=flowunit, flowunit=image_decode, format=raw, width=28, height=28, channels=1]
    preprocess[type=flowunit, flowunit=normalize, standard_deviation_inverse="0.00392156862745098"]
    infer[type=flowunit, flowunit=onnx_inference]
    ${shape === 'mining' ? 'mining[type=flowunit, flowunit=hard_example_mining]' : ''}
    cloud[type=flowunit, flowunit=cloud_inference]
    result[type=flowunit, flowunit=classification_result]
    out[type=output]
    in -> decode:in_data
    decode:out_image -> preprocess:in_data
    preprocess:out_data -> infer:input
    ${shape === 'mining' ? 'infer:out_inference -> mining:in_inference\n    mining:hard -> cloud:in_inference\n    mining:easy -> result:in_data' : 'infer:out_inference -> cloud:in_inference'}
    cloud:out_inference -> result:in_data
    result:out_data -> out
  }"""\n`;
}

/** The worker environment the graph's units take their defaults from. */
export function jiEnv(littleModel: string, threshold: number, bigModelPort: number): Record<string, string> {
  return { MODEL_URL: littleModel, HEM_NAME: 'CrossEntropy', HEM_PARAMETERS: JSON.stringify([{ key: 'threshold_cross_entropy', value: String(threshold) }]), BIG_MODEL_IP: '127.0.0.1', BIG_MODEL_PORT: String(bigModelPort), JOB_NAME: 'bench' };
}

export interface HandWrittenLoop {
  /** The images through the steps, one at a time; the class of each. */
  run(raw: readonly Uint8Array[]): Promise<number[]>;
  close(): void;
}

/** The same steps by hand: the lib's estimator, mining filter and big model client, one image at a time. */
export async function handWrittenLoop(littleModel: string, threshold: number, bigModelPort: number, shape: PipelineShape): Promise<HandWrittenLoop> {
  const little = new OnnxEstimator();
  await little.load(littleModel);
  const filter = new CrossEntropyFilter({ threshold_cross_entropy: threshold });
  const client = new BigModelClient({ host: '127.0.0.1', port: bigModelPort, jobName: 'bench' });
  return {
    async run(raw) {
      const classes: number[] = [];
      for (const bytes of raw) {
        // A plain loop, as the normalize unit does it (Float32Array.from with a mapping function is several times
        // slower and would flatter the graph).
        const data = new Float32Array(bytes.length);
        for (let k = 0; k < bytes.length; k++) data[k] = (bytes[k] as number) * 0.00392156862745098;
        const x = { data, shape: [1, 784] };
        let out = await little.predict(x);
        if (shape === 'line' || filter.isHard(probabilities(out))) out = await client.predict(x);
        let best = 0;
        for (let k = 1; k < out.data.length; k++) if ((out.data[k] as number) > (out.data[best] as number)) best = k;
        classes.push(best);
      }
      return classes;
    },
    close() {
      client.close();
      little.dispose();
    },
  };
}

export interface GraphRunner {
  /** The images through the graph; the class of each, once the last has come out. */
  run(raw: readonly Uint8Array[]): Promise<number[]>;
  readonly flow: Flow;
  close(): Promise<void>;
}

/**
 * The graph as a worker runs it: one flow, opened once (the loop, too, keeps its estimator and client), fed each
 * run's images through a FlowInput; a run ends when its last class has come out. `capacity`: the images the input
 * holds; a run's worth gives each run's images at once, as the loop has them in an array (a smaller input makes the
 * feeding loop wait and wake every half of it, which is timed with the graph).
 */
export async function openGraphRunner(graph: BuiltGraph, env: Record<string, string>, capacity: number, compile = true): Promise<GraphRunner> {
  const feed = new FlowInput<Uint8Array>(capacity);
  let classes: number[] = [];
  let wanted = 0;
  let ended: (() => void) | undefined;
  const flow = await Flow.open(graph, {
    env,
    compile,
    log: () => undefined,
    inputs: { in: feed },
    outputs: {
      out: (v) => {
        if (classes.push((v as { class: number }).class) === wanted) ended?.();
      },
    },
  });
  const done = flow.start();
  return {
    flow,
    async run(raw) {
      const mine: number[] = (classes = []);
      wanted = raw.length;
      const all = new Promise<void>((resolve) => (ended = resolve));
      for (const bytes of raw) if (!feed.tryPush(bytes)) await feed.push(bytes);
      await all;
      return mine;
    },
    async close() {
      feed.end();
      await done;
    },
  };
}
