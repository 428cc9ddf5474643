import { describe, expect, it } from 'vitest';
import { loadGraphText } from '../load.js';
import { defineUnit } from '../units/define.js';
import type { Meta, UnitDefinition } from '../types.js';
import { Flow, type FlowEvent } from './flow.js';

/** A source of the numbers 0..count-1 that counts how many it has handed out. */
function counter(pulled: { n: number }): UnitDefinition {
  return defineUnit({
    name: 'count',
    kind: 'source',
    description: 'numbers',
    outputs: [['out', 'any']],
    options: [{ name: 'count', type: 'integer', description: 'how many', default: 10 }],
    open: (context) => ({
      async *source() {
        for (let k = 0; k < (context.options.count as number); k++) {
          pulled.n++;
          yield { ports: { out: k }, meta: { n: k } };
        }
      },
    }),
  });
}

const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const slow = defineUnit({
  name: 'slow',
  kind: 'normal',
  description: 'waits, then doubles; throws on 13',
  inputs: [['in', 'any']],
  outputs: [['out', 'any']],
  options: [{ name: 'ms', type: 'number', description: 'the wait; negative: a random wait up to -ms', default: 0 }],
  open: (context) => ({
    async process(batch) {
      const ms = context.options.ms as number;
      await delay(ms >= 0 ? ms : Math.random() * -ms);
      return batch.map((item) => {
        if (item.ports.in === 13) throw new Error('thirteen');
        return { ports: { out: (item.ports.in as number) * 2 } };
      });
    },
  }),
});

const batchSizes: number[] = [];
const batcher = defineUnit({
  name: 'batcher',
  kind: 'normal',
  description: 'records its batch sizes',
  inputs: [['in', 'any']],
  outputs: [['out', 'any']],
  open: () => ({
    async process(batch) {
      batchSizes.push(batch.length);
      await delay(2);
      return batch.map((item) => ({ ports: { out: item.ports.in } }));
    },
  }),
});

const parity = defineUnit({
  name: 'parity',
  kind: 'condition',
  description: 'even or odd',
  inputs: [['in', 'any']],
  outputs: [['even', 'any'], ['odd', 'any']],
  open: () => ({ process: (batch) => batch.map((item) => ({ ports: (item.ports.in as number) % 2 === 0 ? { even: item.ports.in } : { odd: item.ports.in } })) }),
});

const tag = (name: string, suffix: string): UnitDefinition =>
  defineUnit({
    name,
    kind: 'normal',
    description: 'appends a suffix',
    inputs: [['in', 'any']],
    outputs: [['out', 'any']],
    options: [{ name: 'ms', type: 'number', description: 'wait', default: 0 }],
    open: (context) => ({
      async process(batch) {
        await delay(context.options.ms as number);
        return batch.map((item) => ({ ports: { out: `${String(item.ports.in)}${suffix}` } }));
      },
    }),
  });

const pair = defineUnit({
  name: 'pair',
  kind: 'normal',
  description: 'joins two inputs',
  inputs: [['a', 'any'], ['b', 'any']],
  outputs: [['out', 'any']],
  open: () => ({ process: (batch) => batch.map((item) => ({ ports: { out: `${String(item.ports.a)}|${String(item.ports.b)}` } })) }),
});

const split = defineUnit({
  name: 'split',
  kind: 'expand',
  description: 'n to 0..n-1',
  inputs: [['in', 'any']],
  outputs: [['out', 'any']],
  open: () => ({
    *expand(input) {
      for (let k = 0; k < (input.ports.in as number); k++) yield { ports: { out: k }, meta: { part: k } };
    },
  }),
});

const sum = defineUnit({
  name: 'sum',
  kind: 'collapse',
  description: 'adds a sub-stream',
  inputs: [['in', 'any']],
  outputs: [['out', 'any']],
  open: () => ({ collapse: (items, parent: Meta) => ({ ports: { out: `${String(parent.n)}:${items.reduce((s, i) => s + (i.ports.in as number), 0)}/${items.length}` } }) }),
});

async function run(dot: string, units: UnitDefinition[]): Promise<{ out: unknown[]; metas: Meta[]; events: FlowEvent[]; flow: Flow; pulled: number }> {
  const pulled = { n: 0 };
  const text = `[flow]\nname = "t"\n[graph]\nformat = "graphviz"\ngraphconf = """digraph t {\n${dot}\n}"""\n`;
  const { graph } = await loadGraphText(text, '/tmp/t.toml', { units: [counter(pulled), ...units], env: {} });
  const out: unknown[] = [];
  const metas: Meta[] = [];
  const events: FlowEvent[] = [];
  const flow = await Flow.open(graph, { log: () => undefined, onEvent: (e) => events.push(e), outputs: { sink: (v, m) => void (out.push(v), metas.push(m)) } });
  await flow.start();
  return { out, metas, events, flow, pulled: pulled.n };
}

describe('the flow scheduler', () => {
  it('keeps the order of a stream through units that finish out of order (concurrency 8)', async () => {
    const { out } = await run(
      `src[type=flowunit, flowunit=count, count=200]
       work[type=flowunit, flowunit=slow, ms=-5, concurrency=8]
       sink[type=output]
       src:out -> work:in
       work:out -> sink`,
      [slow],
    );
    expect(out).toEqual(Array.from({ length: 200 }, (_, k) => k * 2).filter((v) => v !== 26));
  });

  it('reports an item a unit throws on, drops it, and goes on', async () => {
    const { out, events, flow } = await run(
      `src[type=flowunit, flowunit=count, count=20]
       work[type=flowunit, flowunit=slow, batch_size=4]
       sink[type=output]
       src:out -> work:in
       work:out -> sink`,
      [slow],
    );
    expect(out).toHaveLength(19);
    expect(out).not.toContain(26);
    const failed = events.filter((e) => e.reason === 'ItemFailed');
    expect(failed).toHaveLength(1);
    expect(failed[0]?.node).toBe('work');
    expect(failed[0]?.message).toMatch(/item 13 \(n=13\) dropped: thirteen/);
    expect(failed[0]?.summary).toBe('an item was dropped: thirteen');
    const work = flow.metrics.snapshot().units.find((u) => u.node === 'work');
    expect(work).toMatchObject({ itemsIn: 20, itemsOut: 19, errors: 1 });
    const text = await flow.metrics.text();
    expect(text).toMatch(/sedna_flow_unit_errors_total\{flow="t",node="work",unit="slow"\} 1/);
    expect(text).toMatch(/sedna_flow_unit_latency_seconds_count\{flow="t",node="work",unit="slow"\} \d+/);
    expect(text).toMatch(/sedna_flow_unit_latency_seconds_bucket\{flow="t",node="work",unit="slow",le="\+Inf"\} \d+/);
    expect(text).toMatch(/sedna_flow_queue_capacity\{flow="t",from="src:out",to="work:in"\} \d+/);
    // work calls the output's sink itself (fusion.ts): that edge has no queue, the output's counts are kept.
    expect(text).not.toMatch(/to="sink:in"/);
    expect(flow.metrics.snapshot().units.find((u) => u.node === 'sink')).toMatchObject({ itemsIn: 19, skipped: 1 });
  });

  it('holds a slow unit\'s input to its queue size: the source is not read ahead (backpressure)', async () => {
    const pulled = { n: 0 };
    let seen = 0;
    let maxAhead = 0;
    const watcher = defineUnit({
      name: 'watcher',
      kind: 'normal',
      description: 'slow; records how far the source is ahead',
      inputs: [['in', 'any']],
      outputs: [['out', 'any']],
      open: () => ({
        async process(batch) {
          seen += batch.length;
          maxAhead = Math.max(maxAhead, pulled.n - seen);
          await delay(1);
          return batch.map((item) => ({ ports: { out: item.ports.in } }));
        },
      }),
    });
    const text = `[graph]\nqueue_size = 4\ngraphconf = """digraph t { src[type=flowunit, flowunit=count, count=300] w[type=flowunit, flowunit=watcher] sink[type=output] src:out -> w:in w:out -> sink }"""\n`;
    const { graph } = await loadGraphText(text, '/tmp/bp.toml', { units: [counter(pulled), watcher], env: {} });
    const out: unknown[] = [];
    const flow = await Flow.open(graph, { log: () => undefined, outputs: { sink: (v) => void out.push(v) } });
    await flow.start();
    expect(out).toHaveLength(300);
    // The queue (4) plus the item the source holds while it waits for room.
    expect(maxAhead).toBeLessThanOrEqual(5);
    const queue = flow.metrics.snapshot().queues.find((q) => q.to === 'w:in');
    expect(queue).toMatchObject({ capacity: 4 });
    expect(queue?.maxDepth).toBeLessThanOrEqual(4);
  });

  it('gives a unit what is waiting, up to batch_size, in one call', async () => {
    batchSizes.length = 0;
    const { out } = await run(
      `src[type=flowunit, flowunit=count, count=100]
       b[type=flowunit, flowunit=batcher, batch_size=8]
       sink[type=output]
       src:out -> b:in
       b:out -> sink`,
      [batcher],
    );
    expect(out).toEqual(Array.from({ length: 100 }, (_, k) => k));
    expect(Math.max(...batchSizes)).toBe(8);
    expect(batchSizes.reduce((a, b) => a + b, 0)).toBe(100);
  });

  it('sends each item one way through a condition and merges the branches back in order', async () => {
    const { out } = await run(
      `src[type=flowunit, flowunit=count, count=30]
       cond[type=flowunit, flowunit=parity]
       e[type=flowunit, flowunit=tag_even, ms=3]
       o[type=flowunit, flowunit=tag_odd]
       join[type=flowunit, flowunit=tag_end]
       sink[type=output]
       src:out -> cond:in
       cond:even -> e:in
       cond:odd -> o:in
       e:out -> join:in
       o:out -> join:in
       join:out -> sink`,
      [parity, tag('tag_even', 'e'), tag('tag_odd', 'o'), tag('tag_end', '!')],
    );
    expect(out).toEqual(Array.from({ length: 30 }, (_, k) => `${k}${k % 2 ? 'o' : 'e'}!`));
  });

  it('pairs a unit\'s two inputs by item (fan-out, then fan-in over paths of different speed)', async () => {
    const { out } = await run(
      `src[type=flowunit, flowunit=count, count=50]
       fast[type=flowunit, flowunit=tag_a]
       slowpath[type=flowunit, flowunit=tag_b, ms=2]
       p[type=flowunit, flowunit=pair]
       sink[type=output]
       src:out -> fast:in
       src:out -> slowpath:in
       fast:out -> p:a
       slowpath:out -> p:b
       p:out -> sink`,
      [tag('tag_a', 'a'), tag('tag_b', 'b'), pair],
    );
    expect(out).toEqual(Array.from({ length: 50 }, (_, k) => `${k}a|${k}b`));
  });

  it('expands an item into a sub-stream and collapses it back', async () => {
    const { out } = await run(
      `src[type=flowunit, flowunit=count, count=6]
       x[type=flowunit, flowunit=split]
       w[type=flowunit, flowunit=slow, concurrency=3, ms=-3]
       c[type=flowunit, flowunit=sum]
       sink[type=output]
       src:out -> x:in
       x:out -> w:in
       w:out -> c:in
       c:out -> sink`,
      [split, slow, sum],
    );
    // n has the sub-stream 0..n-1, doubled: sum n(n-1), n items.
    expect(out).toEqual([0, 1, 2, 3, 4, 5].map((n) => `${n}:${n * (n - 1)}/${n}`));
  });

  it('takes an output fed by two sources as items come, each source in its own order', async () => {
    const text = `[graph]\ngraphconf = """digraph t { a[type=input] b[type=input] ta[type=flowunit, flowunit=tag_a] tb[type=flowunit, flowunit=tag_b, ms=1] sink[type=output] a -> ta:in b -> tb:in ta:out -> sink tb:out -> sink }"""\n`;
    const { graph } = await loadGraphText(text, '/tmp/two.toml', { units: [tag('tag_a', 'a'), tag('tag_b', 'b')], env: {} });
    const out: string[] = [];
    const flow = await Flow.open(graph, { log: () => undefined, inputs: { a: [0, 1, 2, 3, 4], b: [0, 1, 2] }, outputs: { sink: (v) => void out.push(v as string) } });
    await flow.start();
    expect(out.filter((v) => v.endsWith('a'))).toEqual(['0a', '1a', '2a', '3a', '4a']);
    expect(out.filter((v) => v.endsWith('b'))).toEqual(['0b', '1b', '2b']);
  });

  it('runs a CPU-bound unit in worker threads and keeps the order', async () => {
    const frames = Array.from({ length: 12 }, (_, k) => ({ data: new Uint8Array(64 * 48 * 3).fill(k * 10), width: 64, height: 48, channels: 3, layout: 'hwc', pixelFormat: 'rgb' }));
    const text = `[graph]\ngraphconf = """digraph t {\n in[type=input]\n r[type=flowunit, flowunit=resize, image_width=16, image_height=12, threads=2, concurrency=4]\n sink[type=output]\n in -> r:in_image\n r:out_image -> sink\n}"""\n`;
    const { graph } = await loadGraphText(text, '/tmp/threads.toml', { env: {} });
    const out: { data: Uint8Array; width: number }[] = [];
    const flow = await Flow.open(graph, { log: () => undefined, inputs: { in: frames }, outputs: { sink: (v) => void out.push(v as { data: Uint8Array; width: number }) } });
    await flow.start();
    expect(out.map((f) => f.width)).toEqual(Array(12).fill(16));
    expect(out.map((f) => f.data[0])).toEqual(frames.map((_, k) => k * 10));
  });

  it('stops a never-ending source cleanly: the items inside finish, every unit closes', async () => {
    let closed = 0;
    const endless = defineUnit({
      name: 'endless',
      kind: 'source',
      description: 'forever',
      outputs: [['out', 'any']],
      open: (context) => ({
        async *source() {
          for (let k = 0; !context.signal.aborted; k++) {
            await delay(1);
            yield { ports: { out: k } };
          }
        },
        close: () => void closed++,
      }),
    });
    const text = `[graph]\ngraphconf = """digraph t { s[type=flowunit, flowunit=endless] w[type=flowunit, flowunit=slow] sink[type=output] s:out -> w:in w:out -> sink }"""\n`;
    const { graph } = await loadGraphText(text, '/tmp/stop.toml', { units: [endless, slow], env: {} });
    const out: unknown[] = [];
    const flow = await Flow.open(graph, { log: () => undefined, outputs: { sink: (v) => void out.push(v) } });
    const done = flow.start();
    while (out.length < 20) await delay(5);
    await flow.stop();
    await done;
    expect(closed).toBe(1);
    expect(out.slice(0, 12)).toEqual(Array.from({ length: 12 }, (_, k) => k * 2));
  });
});
