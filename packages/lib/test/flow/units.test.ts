/**
 * The built-in units in graphs: ModelBox's mnist shape over real HTTP with an ONNX model, hot update of that model
 * while the graph runs, hard example mining with saving and LC reports, the big model client with its fallback,
 * and video through ffmpeg.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MlpEstimator } from '../../src/backend/mlp/estimator.js';
import type { ModelSpec } from '../../src/backend/model-spec.js';
import { CrossEntropyFilter } from '../../src/algorithms/hard_example_mining/index.js';
import { BigModelService } from '../../src/core/joint_inference/big-model-service.js';
import { Flow, loadGraphText, type FlowEvent, type Meta } from '../../src/flow/index.js';
import { saveOnnx } from '../../src/onnx/export.js';
import { FakeLC } from '../helpers/fake-lc.js';
import { waitFor } from '../helpers/wait.js';

const SPEC: ModelSpec = { inputShape: [784], layers: [{ type: 'dense', units: 10, activation: 'softmax' }] };
let dir: string;
let first: MlpEstimator;
let second: MlpEstimator;
let lc: FakeLC;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'flow-units-'));
  first = new MlpEstimator({ spec: SPEC, seed: 1 });
  second = new MlpEstimator({ spec: SPEC, seed: 7 });
  await saveOnnx(first, path.join(dir, 'v1.onnx'));
  await saveOnnx(second, path.join(dir, 'v2.onnx'));
  lc = new FakeLC();
  await lc.start();
});
afterAll(async () => {
  await lc.stop();
  await rm(dir, { recursive: true, force: true });
});

const image = (seed: number): Uint8Array => Uint8Array.from({ length: 784 }, (_, i) => (i * 31 + seed * 17) % 256);

async function expectedClass(model: MlpEstimator, bytes: Uint8Array): Promise<number> {
  const out = await model.predict({ data: Float32Array.from(bytes, (v) => v / 255), shape: [1, 784] });
  return out.data.indexOf(Math.max(...out.data));
}

async function open(graphText: string, options: { env?: Record<string, string>; inputs?: Record<string, Iterable<unknown> | AsyncIterable<unknown>>; sink?: (v: unknown, m: Meta) => void } = {}): Promise<{ flow: Flow; events: FlowEvent[] }> {
  const { graph } = await loadGraphText(graphText, path.join(dir, 'graph.toml'), { env: options.env ?? {} });
  const events: FlowEvent[] = [];
  const flow = await Flow.open(graph, { env: options.env ?? {}, log: () => undefined, onEvent: (e) => events.push(e), ...(options.inputs ? { inputs: options.inputs } : {}), ...(options.sink ? { outputs: { out: options.sink } } : {}) });
  return { flow, events };
}

describe('ModelBox\'s mnist graph shape with our units: HTTP receive -> preprocess -> infer -> reply', () => {
  it('answers each request with the model\'s class; a bad request is reported and times out, the next ones are answered', async () => {
    const { flow, events } = await open(`[flow]\nname = "mnist"\n[graph]\nformat = "graphviz"\ngraphconf = '''digraph mnist_sample {
      node [shape=Mrecord]
      httpserver_sync_receive[type=flowunit, flowunit=httpserver_sync_receive, device=cpu, time_out_ms=800, endpoint="http://127.0.0.1:0", max_requests=100]
      mnist_preprocess[type=flowunit, flowunit=image_decode, format=raw, width=28, height=28, channels=1]
      normalize[type=flowunit, flowunit=normalize, standard_deviation_inverse="0.00392156862745098"]
      mnist_infer[type=flowunit, flowunit=onnx_inference, device=cpu, deviceid=0, batch_size=4, model_url="v1.onnx"]
      mnist_response[type=flowunit, flowunit=classification_result]
      httpserver_sync_reply[type=flowunit, flowunit=httpserver_sync_reply, device=cpu]
      httpserver_sync_receive:out_request_info -> mnist_preprocess:in_data
      mnist_preprocess:out_image -> normalize:in_data
      normalize:out_data -> mnist_infer:input
      mnist_infer:output -> mnist_response:in_data
      mnist_response:out_data -> httpserver_sync_reply:in_reply_info
    }'''\n`);
    const done = flow.start();
    const url = (await waitFor('the server', () => events.find((e) => e.reason === 'Listening'))).message;
    const post = async (body: Uint8Array): Promise<{ status: number; json: { class?: number; error?: string } }> => {
      const res = await fetch(url, { method: 'POST', body });
      return { status: res.status, json: (await res.json()) as { class?: number; error?: string } };
    };
    const answers = await Promise.all([0, 1, 2, 3, 4, 5].map((k) => post(image(k))));
    for (const [k, answer] of answers.entries()) {
      expect(answer.status).toBe(200);
      expect(answer.json.class).toBe(await expectedClass(first, image(k)));
    }
    const bad = await post(new Uint8Array(10));
    expect(bad).toEqual({ status: 504, json: { error: 'no reply within 800 ms' } });
    expect(events.find((e) => e.reason === 'ItemFailed')?.message).toMatch(/expected 784 bytes \(28x28x1\), got 10/);
    expect((await post(image(9))).json.class).toBe(await expectedClass(first, image(9)));
    await flow.stop();
    await done;
    expect(flow.metrics.snapshot().units.find((u) => u.node === 'mnist_preprocess')).toMatchObject({ itemsIn: 8, errors: 1 });
  });
});

describe('onnx_inference', () => {
  it('hot-updates its model while the graph runs and reports the deploy to the LC', async () => {
    const config = path.join(dir, 'hot', 'model_config.json');
    await import('node:fs/promises').then((fs) => fs.mkdir(path.dirname(config), { recursive: true }));
    await writeFile(config, JSON.stringify({ model_config: { model_path: path.join(dir, 'v1.onnx'), model_update_time: 'v1' } }));
    let release: (() => void) | undefined;
    const seen: { version: unknown }[] = [];
    async function* samples(): AsyncGenerator<unknown> {
      for (let k = 0; k < 40; k++) {
        if (k === 20) await new Promise<void>((resolve) => (release = resolve));
        yield { data: Float32Array.from(image(k), (v) => v / 255), shape: [784] };
      }
    }
    const env = { MODEL_URL: path.join(dir, 'v1.onnx'), MODEL_HOT_UPDATE: 'true', MODEL_HOT_UPDATE_CONFIG: config, MODEL_POLL_PERIOD_SECONDS: '1', LC_SERVER: lc.url, JOB_NAME: 'il-job', WORKER_NAME: 'infer-1' };
    const { flow, events } = await open(`[graph]\ngraphconf = """digraph g { in[type=input] m[type=flowunit, flowunit=onnx_inference] out[type=output] in -> m:input m:out_inference -> out }"""\n`, { env, inputs: { in: samples() }, sink: (v) => void seen.push({ version: (v as { modelVersion?: string }).modelVersion }) });
    const done = flow.start();
    await waitFor('20 answers', () => seen.length === 20);
    await writeFile(config + '.tmp', JSON.stringify({ model_config: { model_path: path.join(dir, 'v2.onnx'), model_update_time: 'v2' } }));
    await rename(config + '.tmp', config);
    await waitFor('the hot update', () => events.find((e) => e.reason === 'ModelUpdated' && e.message.includes('version v2')), 10_000);
    release?.();
    await done;
    expect(seen.slice(20).every((s) => s.version === 'v2')).toBe(true);
    await waitFor('the deploy report', () => lc.received.find((r) => r.body.kind === 'deploy' && r.body.status === 'completed'));
    expect(lc.received.find((r) => r.body.kind === 'deploy')?.body).toMatchObject({ name: 'infer-1', ownerName: 'il-job', ownerKind: 'incrementallearningjob' });
  });

  it("gives in its record the sample as the model took it ([1, ...the model's sample shape], the same data), item by item and in batches", async () => {
    const samples = Array.from({ length: 6 }, (_, k) => ({ data: Float32Array.from(image(k), (v) => v / 255), shape: [28, 28, 1] }));
    for (const batch of [1, 4]) {
      const records: { input: { data: Float32Array; shape: number[] } }[] = [];
      const { flow } = await open(`[graph]\ngraphconf = """digraph g { in[type=input] m[type=flowunit, flowunit=onnx_inference, batch_size=${batch}] out[type=output] in -> m:input m:out_inference -> out }"""\n`, { env: { MODEL_URL: path.join(dir, 'v1.onnx') }, inputs: { in: samples }, sink: (v) => void records.push(v as (typeof records)[number]) });
      await flow.start();
      expect(records.map((r) => r.input.shape)).toEqual(Array(6).fill([1, 784]));
      records.forEach((r, k) => expect(Array.from(r.input.data)).toEqual(Array.from((samples[k] as (typeof samples)[number]).data)));
      // One item at a time, the record holds the sample's own array (no copy).
      if (batch === 1) records.forEach((r, k) => expect(r.input.data).toBe((samples[k] as (typeof samples)[number]).data));
    }
  });
});

describe('mining, saving, reporting and the cloud', () => {
  it('sends hard items to the big model, saves them for labelling, reports the counts; easy ones stay on the edge', async () => {
    const service = new BigModelService({ estimator: second, modelUrl: false, env: { JOB_NAME: 'ji', BIG_MODEL_BIND_IP: '127.0.0.1', BIG_MODEL_BIND_PORT: '0' } });
    const { port } = await service.start();
    const heDir = path.join(dir, 'he');
    const inputs = Array.from({ length: 30 }, (_, k) => ({ data: Float32Array.from(image(k), (v) => v / 255), shape: [784] }));
    // The threshold at the median confidence of the edge model: about half the items are hard.
    const filter = new CrossEntropyFilter();
    const confidences: number[] = [];
    for (const x of inputs) confidences.push(filter.confidence((await first.predict({ data: x.data, shape: [1, 784] })).data) as number);
    const median = [...confidences].sort((a, b) => a - b)[15] as number;
    const env = { HEM_NAME: 'CrossEntropy', HEM_PARAMETERS: JSON.stringify([{ key: 'threshold_cross_entropy', value: String(median) }]), BIG_MODEL_IP: '127.0.0.1', BIG_MODEL_PORT: String(port), JOB_NAME: 'ji', WORKER_NAME: 'edge-1', LC_SERVER: lc.url, HE_SAVED_URL: heDir, MODEL_URL: path.join(dir, 'v1.onnx'), LC_PERIOD: '3600' };
    const results: Record<string, unknown>[] = [];
    const { flow } = await open(`[graph]\ngraphconf = """digraph ji {
      in[type=input]
      infer[type=flowunit, flowunit=onnx_inference, batch_size=8]
      hem[type=flowunit, flowunit=hard_example_mining]
      cloud[type=flowunit, flowunit=cloud_inference]
      save[type=flowunit, flowunit=hard_example_saver]
      report[type=flowunit, flowunit=lc_reporter]
      result[type=flowunit, flowunit=classification_result]
      out[type=output]
      in -> infer:input
      infer:out_inference -> hem:in_inference
      hem:hard -> cloud:in_inference
      cloud:out_inference -> save:in_inference
      save:out_inference -> report:in_data
      hem:easy -> report:in_data
      report:out_data -> result:in_data
      result:out_data -> out
    }"""\n`, { env, inputs: { in: inputs }, sink: (v) => void results.push(v as Record<string, unknown>) });
    await flow.start();
    expect(results).toHaveLength(30);
    const hard = results.filter((r) => r.hard === true);
    expect(hard.length).toBeGreaterThan(0);
    expect(hard.length).toBeLessThan(30);
    for (const [k, r] of results.entries()) {
      expect(r.answeredBy).toBe(r.hard ? 'cloud' : 'edge');
      expect(r.class).toBe(await expectedClass(r.hard ? second : first, image(k)));
    }
    const index = (await readFile(path.join(heDir, 'index.txt'), 'utf8')).trim().split('\n');
    expect(index).toHaveLength(hard.length);
    expect((await readdir(heDir)).filter((f) => f.endsWith('.pgm'))).toHaveLength(hard.length);
    const report = await waitFor('the LC report', () => lc.received.find((r) => r.worker === 'edge-1' && r.body.kind === 'inference'));
    expect(report.body.ownerInfo).toMatchObject({ inferenceNumber: 30, hardExampleNumber: hard.length });
    await service.stop();

    // The cloud is gone: hard items are answered on the edge, with one warning, and the stream goes on.
    const again: Record<string, unknown>[] = [];
    const { flow: down, events } = await open(`[graph]\ngraphconf = """digraph ji { in[type=input] infer[type=flowunit, flowunit=onnx_inference] hem[type=flowunit, flowunit=hem_cloud_only] cloud[type=flowunit, flowunit=cloud_inference, timeout_ms=2000] result[type=flowunit, flowunit=classification_result] out[type=output] in -> infer:input infer:out_inference -> hem:in_inference hem:hard -> cloud:in_inference cloud:out_inference -> result:in_data hem:easy -> result:in_data result:out_data -> out }"""\n`, { env, inputs: { in: inputs.slice(0, 5) }, sink: (v) => void again.push(v as Record<string, unknown>) });
    await down.start();
    expect(again.map((r) => r.answeredBy)).toEqual(Array(5).fill('edge-fallback'));
    expect(events.filter((e) => e.reason === 'CloudFailed')).toHaveLength(1);
  });

  it('has a condition unit for every mining algorithm of the lib', async () => {
    const { builtinRegistry } = await import('../../src/flow/index.js');
    const names = builtinRegistry().names();
    for (const unit of ['hard_example_mining', 'hem_threshold', 'hem_ibt', 'hem_cross_entropy', 'hem_random', 'hem_edge_only', 'hem_cloud_only']) {
      expect(names).toContain(unit);
      expect(builtinRegistry().get(unit)?.description).toMatchObject({ kind: 'condition', outputs: [{ name: 'hard' }, { name: 'easy' }] });
    }
    // Detection: boxes [x1, y1, x2, y2, score, label]; the mean score 0.3 is below 0.5.
    const boxes = (scores: number[]): unknown => ({ input: { data: new Float32Array(4), shape: [1, 4] }, output: { data: Float32Array.from(scores.flatMap((s) => [0, 0, 1, 1, s, 0])), shape: [1, scores.length, 6] }, answeredBy: 'edge' });
    const got: string[] = [];
    const { flow } = await open(`[graph]\ngraphconf = """digraph d { in[type=input] t[type=flowunit, flowunit=hem_threshold, threshold=0.5] h[type=flowunit, flowunit=classification_result] e[type=flowunit, flowunit=classification_result] out[type=output] in -> t:in_inference t:hard -> h:in_data t:easy -> e:in_data h:out_data -> out e:out_data -> out }"""\n`, { inputs: { in: [boxes([0.2, 0.4]), boxes([0.9, 0.8])] }, sink: (v) => void got.push((v as { hard: boolean }).hard ? 'hard' : 'easy') });
    await flow.start();
    expect(got).toEqual(['hard', 'easy']);
  });
});

describe('video through ffmpeg', () => {
  it('runs ModelBox\'s video chain (video_input -> video_demuxer -> video_decoder) into resize, frames in order', async () => {
    const video = path.join(dir, 'test.mkv');
    execFileSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc=size=96x64:rate=25', '-frames:v', '30', '-c:v', 'ffv1', video]);
    const frames: Meta[] = [];
    const sizes: string[] = [];
    const { flow } = await open(`[graph]\ngraphconf = """digraph v {
      video_input[type=flowunit, flowunit=video_input, source_url="test.mkv", repeat=2]
      videodemuxer[type=flowunit, flowunit=video_demuxer]
      videodecoder[type=flowunit, flowunit=video_decoder, pix_fmt=gray]
      image_resize[type=flowunit, flowunit=resize, image_width=32, image_height=16]
      out[type=output]
      video_input:out_video_url -> videodemuxer:in_video_url
      videodemuxer:out_video_packet -> videodecoder:in_video_packet
      videodecoder:out_video_frame -> image_resize:in_image
      image_resize:out_image -> out
    }"""\n`, { sink: (v, m) => void (frames.push(m), sizes.push(`${(v as { width: number }).width}x${(v as { height: number }).height}x${(v as { channels: number }).channels}`)) });
    await flow.start();
    expect(frames.map((m) => m.frame_index)).toEqual([...Array.from({ length: 30 }, (_, k) => k), ...Array.from({ length: 30 }, (_, k) => k)]);
    expect(frames.map((m) => m.repeat_index)).toEqual([...Array(30).fill(0), ...Array(30).fill(1)]);
    expect(new Set(sizes)).toEqual(new Set(['32x16x1']));
  });

  it('reads a camera source as one stream; a source ffmpeg cannot open fails the flow with ffmpeg\'s reason', async () => {
    const got: Meta[] = [];
    const { flow } = await open(`[graph]\ngraphconf = """digraph c { cam[type=flowunit, flowunit=camera_input, source_url="testsrc=size=64x48:rate=30", input_format=lavfi, max_frames=12, frame_id_format="cam-{k:3}"] out[type=output] cam:out_frame -> out }"""\n`, { sink: (_v, m) => void got.push(m) });
    await flow.start();
    expect(got.map((m) => m.frame_id)).toEqual(Array.from({ length: 12 }, (_, k) => `cam-${String(k).padStart(3, '0')}`));
    const { flow: broken } = await open(`[graph]\ngraphconf = """digraph c { cam[type=flowunit, flowunit=camera_input, source_url="/nonexistent/camera.mp4"] out[type=output] cam:out_frame -> out }"""\n`);
    await expect(broken.start()).rejects.toThrow(/node cam: ffprobe could not read \/nonexistent\/camera.mp4/);
  });
});
