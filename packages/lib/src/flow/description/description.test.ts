import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadGraphText } from '../load.js';
import { FlowGraphError } from '../types.js';
import { defineUnit } from '../units/define.js';
import { parseFlowunitToml } from './flowunit-toml.js';
import { parseGraphToml } from './graph-toml.js';
import { parseDot } from './graphviz.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

// The shape of ModelBox's emotion detection demo graph (src/demo/emotion_detection/graph): fan-out of the decoded
// frame, a condition unit with two outputs, expand and collapse, and two branches meeting at the encoder's input.
const EMOTION = `
[driver]
dir = ["@APPLICATION_PATH@/flowunit"]
[flow]
desc = "face emotion detection for video"
[graph]
format = "graphviz"
graphconf = """digraph emotion_detection {
    node [shape=Mrecord]
    video_input[type=flowunit, flowunit=video_input, device=cpu, source_url="/videos/emotion_test_video.mp4"]
    videodemuxer[type=flowunit, flowunit=video_demuxer, device=cpu]
    videodecoder[type=flowunit, flowunit=video_decoder, device=cuda, pix_fmt=bgr]
    custom_resize[type=flowunit, flowunit=custom_resize, device=cpu]
    image_transpose[type=flowunit, flowunit=packed_planar_transpose, device=cpu]
    mean[type=flowunit, flowunit=mean, device=cpu, mean="104, 117, 123"]
    normalize[type=flowunit, flowunit=normalize, device=cpu, standard_deviation_inverse="1, 1, 1"]
    face_detect[type=flowunit, flowunit=face_detect, device=cuda]
    face_post[type=flowunit, flowunit=face_post, device=cpu, batch_size=1]
    expand_box[type=flowunit, flowunit=expand_box, device=cpu]
    face_resize[type=flowunit, flowunit=resize, device=cpu, image_width=224, image_height=224]
    emotion_infer[type=flowunit, flowunit=emotion_infer, device=cuda, batch_size=1]
    collapse_emotion[type=flowunit, flowunit=collapse_emotion, device=cpu]
    draw_emotion[type=flowunit, flowunit=draw_emotion, device=cpu]
    videoencoder[type=flowunit, flowunit=video_encoder, device=cpu, encoder=mpeg4, format=mp4, default_dest_url="/tmp/emotion_detection_result.mp4"]

    video_input:out_video_url -> videodemuxer:in_video_url
    videodemuxer:out_video_packet -> videodecoder:in_video_packet
    videodecoder:out_video_frame -> custom_resize:in_image
    custom_resize:out_image -> image_transpose:in_image
    image_transpose:out_image -> mean:in_data
    mean:out_data -> normalize:in_data
    normalize:out_data -> face_detect:input
    face_detect:out_loc -> face_post:in_loc
    face_detect:out_conf -> face_post:in_conf
    videodecoder:out_video_frame -> face_post:in_image
    face_post:has_face -> expand_box:in_data
    expand_box:roi_image -> face_resize:in_image
    face_resize:out_image -> emotion_infer:input
    emotion_infer:confidence -> collapse_emotion:confidence
    emotion_infer:predicts -> collapse_emotion:predicts
    collapse_emotion:out_data -> draw_emotion:in_emotion
    face_post:has_face -> draw_emotion:in_face
    draw_emotion:out_data -> videoencoder:in_video_frame
    face_post:no_face -> videoencoder:in_video_frame
}"""
`;

describe('ModelBox graph files', () => {
  it('parses the emotion detection graph: nodes with options, ports, fan-out and fan-in', () => {
    const graph = parseGraphToml(EMOTION, '/project/src/graph/emotion.toml');
    expect(graph.driverDirs).toEqual(['/project/src/flowunit']);
    expect(graph.description).toBe('face emotion detection for video');
    expect(graph.dot.nodes).toHaveLength(15);
    expect(graph.dot.nodes.find((n) => n.name === 'mean')?.attributes).toEqual({ type: 'flowunit', flowunit: 'mean', device: 'cpu', mean: '104, 117, 123' });
    expect(graph.dot.edges).toHaveLength(19);
    expect(graph.dot.edges.filter((e) => e.to.node === 'videoencoder').map((e) => `${e.from.node}:${e.from.port}`)).toEqual(['draw_emotion:out_data', 'face_post:no_face']);
  });

  it('names the units a graph uses that are not available, all at once', async () => {
    const error = await loadGraphText(EMOTION.replace('dir = ["@APPLICATION_PATH@/flowunit"]', ''), '/project/src/graph/emotion.toml', { env: {} }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FlowGraphError);
    expect((error as Error).message).toMatch(/not available: collapse_emotion, custom_resize, draw_emotion, emotion_infer, expand_box, face_detect, face_post, video_encoder \(available: /);
  });

  it('runs the shape with our units and ModelBox flowunit files for the demo\'s own units (condition, expand, collapse)', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'flow-modelbox-'));
    dirs.push(root);
    const units = path.join(root, 'src', 'flowunit');
    const unit = (name: string, toml: string, js: string): void => {
      mkdirSync(path.join(units, name), { recursive: true });
      writeFileSync(path.join(units, name, `${name}.toml`), toml);
      writeFileSync(path.join(units, name, `${name}.mjs`), js);
    };
    unit('face_post', '[base]\nname = "face_post"\ntype = "javascript"\nentry = "face_post.mjs@open"\ncondition = true\n[input]\n[input.input1]\nname = "in_score"\n[output]\n[output.output1]\nname = "has_face"\n[output.output2]\nname = "no_face"\n',
      'export const open = () => ({ process: (batch) => batch.map((i) => ({ ports: i.ports.in_score > 0 ? { has_face: i.ports.in_score } : { no_face: i.ports.in_score } })) });\n');
    unit('expand_box', '[base]\nname = "expand_box"\ntype = "javascript"\nentry = "expand_box.mjs@open"\nexpand = true\n[input]\n[input.input1]\nname = "in_data"\n[output]\n[output.output1]\nname = "roi_image"\n',
      'export const open = () => ({ *expand(i) { for (let k = 0; k < i.ports.in_data; k++) yield { ports: { roi_image: k } }; } });\n');
    unit('collapse_emotion', '[base]\nname = "collapse_emotion"\ntype = "javascript"\nentry = "collapse_emotion.mjs@open"\ncollapse = true\n[config]\nnoun = "faces"\n[input]\n[input.input1]\nname = "predicts"\n[output]\n[output.output1]\nname = "out_data"\n',
      'export const open = (c) => ({ collapse: (items) => ({ ports: { out_data: `${items.length} ${c.options.noun}` } }) });\n');
    unit('draw', '[base]\nname = "draw"\ntype = "javascript"\nentry = "draw.mjs@open"\n[input]\n[input.input1]\nname = "in_emotion"\n[input.input2]\nname = "in_face"\n[output]\n[output.output1]\nname = "out_data"\n',
      'export const open = () => ({ process: (b) => b.map((i) => ({ ports: { out_data: `${i.ports.in_face}: ${i.ports.in_emotion}` } })) });\n');
    const graph = `[driver]\ndir = ["@APPLICATION_PATH@/flowunit"]\n[graph]\nformat = "graphviz"\ngraphconf = """digraph g {
      node [shape=Mrecord]
      in[type=input]
      face_post[type=flowunit, flowunit=face_post, device=cpu]
      expand_box[type=flowunit, flowunit=expand_box]
      collapse_emotion[type=flowunit, flowunit=collapse_emotion, noun=smiles]
      draw[type=flowunit, flowunit=draw]
      out[type=output]
      in -> face_post:in_score
      face_post:has_face -> expand_box:in_data
      expand_box:roi_image -> collapse_emotion:predicts
      collapse_emotion:out_data -> draw:in_emotion
      face_post:has_face -> draw:in_face
      draw:out_data -> out
      face_post:no_face -> out
    }"""\n`;
    mkdirSync(path.join(root, 'src', 'graph'));
    const { graph: built } = await loadGraphText(graph, path.join(root, 'src', 'graph', 'g.toml'), { env: {} });
    const { Flow } = await import('../runtime/flow.js');
    const out: unknown[] = [];
    const flow = await Flow.open(built, { log: () => undefined, inputs: { in: [2, 0, 3, -1, 1] }, outputs: { out: (v) => void out.push(v) } });
    await flow.start();
    expect(out).toEqual(['2: 2 smiles', 0, '3: 3 smiles', -1, '1: 1 smiles']);
  });

  it('parses ModelBox flowunit descriptions (the mnist demo\'s units)', () => {
    const infer = parseFlowunitToml('[base]\nname = "mnist_infer"\ndevice = "cpu"\nversion = "1.0.0"\ndescription = "digits"\nentry = "./mnist_model.pb"\ntype = "inference"\nvirtual_type = "tensorflow"\n\n[input]\n[input.input1]\nname = "Input"\ntype = "float"\n\n[output]\n[output.output1]\nname = "Output"\ntype = "float"\n', '/u/mnist_infer.toml', '/u');
    expect(infer).toMatchObject({ type: 'inference', entry: './mnist_model.pb', virtualType: 'tensorflow' });
    expect(infer.description).toMatchObject({ name: 'mnist_infer', kind: 'normal', inputs: [{ name: 'Input', type: 'tensor' }], outputs: [{ name: 'Output', type: 'tensor' }] });
    const post = parseFlowunitToml('[base]\nname = "face_post"\ndevice = "cpu"\nentry = "face_post@FacePost"\ntype = "python"\ncondition = true\n[config]\nmax_edge = 320\n[input]\n[input.input1]\nname = "in_loc"\n[output]\n[output.output1]\nname = "has_face"\n[output.output2]\nname = "no_face"\n', '/u/f.toml', '/u');
    expect(post.description.kind).toBe('condition');
    expect(post.description.options).toEqual([{ name: 'max_edge', type: 'number', description: '[config] max_edge', default: 320 }]);
    expect(() => parseFlowunitToml('[base]\nname = "x"\nexpand = true\ncollapse = true\n', '/u/x.toml', '/u')).toThrow(/condition, expand and collapse exclude each other/);
    expect(() => parseFlowunitToml('[base]\nname = "x"\ncolour = 1\n', '/u/x.toml', '/u')).toThrow(/\[base\] colour: unknown key/);
    expect(() => parseFlowunitToml('[base\nname = "x"', '/u/x.toml', '/u')).toThrow(/x.toml: not valid TOML: line 1/);
  });

  it('reads DOT comments, quoted values, chains and graph attributes; refuses what it cannot run', () => {
    const g = parseDot('# a comment\ndigraph "g" {\n  rankdir=LR; // drawing\n  /* block\n comment */ a[type=input]\n  b[type=flowunit, flowunit="x y", note="say \\"hi\\"",]\n  a -> b:in -> c:in [color=red]\n}');
    expect(g.name).toBe('g');
    expect(g.graphAttributes).toEqual({ rankdir: 'LR' });
    expect(g.nodes.find((n) => n.name === 'b')?.attributes).toEqual({ type: 'flowunit', flowunit: 'x y', note: 'say "hi"' });
    expect(g.edges.map((e) => `${e.from.node}:${e.from.port ?? ''}>${e.to.node}:${e.to.port ?? ''}`)).toEqual(['a:>b:in', 'b:in>c:in']);
    expect(() => parseDot('graph g { a -- b }')).toThrow(/undirected graph/);
    expect(() => parseDot('digraph g {\n a -> \n}')).toThrow(/line 3: expected a node name/);
    expect(() => parseDot('digraph g { subgraph s { a } }')).toThrow(/subgraphs are not supported/);
    expect(() => parseDot('digraph g {\n a[x=1]\n a[y=2]\n}')).toThrow(/line 3: node a is declared twice/);
  });
});

describe('graphs that cannot run get an error naming what is wrong', () => {
  const noop = defineUnit({
    name: 'noop',
    kind: 'normal',
    description: 'passes',
    inputs: [['in', 'tensor']],
    outputs: [['out', 'tensor']],
    options: [{ name: 'gain', type: 'number', description: 'g', default: 1 }],
    open: () => ({ process: (b) => b.map((i) => ({ ports: { out: i.ports.in } })) }),
  });
  const load = (dot: string): Promise<unknown> => loadGraphText(`[graph]\ngraphconf = """digraph g {\n${dot}\n}"""\n`, '/g/bad.toml', { units: [noop], env: {} }).then(() => undefined, (e: unknown) => e);

  it('a cycle', async () => {
    expect(String(await load('i[type=input]\na[type=flowunit, flowunit=noop]\nb[type=flowunit, flowunit=noop]\na:out -> b:in\nb:out -> a:in'))).toMatch(/cycle through a, b/);
  });
  it('a dangling port: an input nobody feeds, an edge to a port the unit lacks, a node never declared', async () => {
    const error = String(await load('i[type=input]\na[type=flowunit, flowunit=noop]\nb[type=flowunit, flowunit=noop]\ni -> a:in\na:outt -> b:in\na:out -> ghost:in'));
    expect(error).toMatch(/a:outt -> b:in: a has no output port "outt" \(its outputs: out\)/);
    expect(error).toMatch(/node ghost is not declared/);
    expect(error).toMatch(/node b: input port in is not connected \(dangling\)/);
  });
  it('a type mismatch between ports', async () => {
    expect(String(await load('s[type=flowunit, flowunit=video_input, source_url="/v.mp4"]\na[type=flowunit, flowunit=noop]\ns:out_video_url -> a:in'))).toMatch(/type mismatch, s:out_video_url gives url but a:in takes tensor/);
  });
  it('an unknown option, an ill-typed one, a missing required one', async () => {
    const error = String(await load('i[type=input]\na[type=flowunit, flowunit=noop, gian=2]\nb[type=flowunit, flowunit=noop, gain=lots]\nr[type=flowunit, flowunit=resize]\ni -> a:in\na:out -> b:in\ni -> r:in_image'));
    expect(error).toMatch(/node a: unknown option "gian" for unit noop \(its options: gain\)/);
    expect(error).toMatch(/node b: option gain: expected a number, got "lots"/);
    expect(error).toMatch(/node r: option image_width of unit resize is required/);
  });
  it('an unknown unit and an unknown node type', async () => {
    const error = String(await load('i[type=input]\na[type=flowunit, flowunit=yolox_post]\nb[type=widget]\ni -> a:in'));
    expect(error).toMatch(/not available: yolox_post/);
    expect(error).toMatch(/type=widget is not one of flowunit, input, output/);
  });
  it('takes option defaults from the worker environment (MODEL_URL, HEM_NAME, ...)', async () => {
    const { graph } = await loadGraphText('[graph]\ngraphconf = """digraph g { i[type=input] m[type=flowunit, flowunit=hard_example_mining] i -> m:in_inference }"""\n', '/g/env.toml', { env: { HEM_NAME: 'CrossEntropy', HEM_PARAMETERS: '[{"key":"threshold_cross_entropy","value":"0.4"}]' } });
    expect(graph.nodes.find((n) => n.name === 'm')?.options).toEqual({ name: 'CrossEntropy', parameters: '[{"key":"threshold_cross_entropy","value":"0.4"}]' });
    const missing = await loadGraphText('[graph]\ngraphconf = """digraph g { i[type=input] m[type=flowunit, flowunit=hard_example_mining] i -> m:in_inference }"""\n', '/g/env.toml', { env: {} }).catch((e: unknown) => e);
    expect(String(missing)).toMatch(/option name of unit hard_example_mining is required \(or the environment variable HEM_NAME\)/);
  });
});

describe('the graph writer', () => {
  it('writes a graph file that reads back to the same graph (the console exports what the runtime reads)', async () => {
    const { readFileSync } = await import('node:fs');
    const { parseGraphDocument } = await import('./graph-document.js');
    const { writeGraphToml } = await import('./graph-writer.js');
    const file = new URL('../../../../../examples/flow/joint_inference/graph.toml', import.meta.url).pathname;
    const first = parseGraphDocument(readFileSync(file, 'utf8'), file);
    const written = writeGraphToml({ name: first.name, description: first.description, driverDirs: ['@APPLICATION_PATH@/flowunit'], dot: first.dot });
    const again = parseGraphDocument(written, 'again.toml');
    expect(again.name).toBe(first.name);
    expect(again.driverDirs).toEqual(['@APPLICATION_PATH@/flowunit']);
    const strip = (d: typeof first.dot) => ({ nodes: d.nodes.map((n) => ({ name: n.name, attributes: n.attributes })), edges: d.edges.map((e) => ({ from: e.from, to: e.to })) });
    expect(strip(again.dot)).toEqual(strip(first.dot));
    expect(written).toContain('mining:hard -> cloud:in_inference');
  });
});
