import { describe, expect, it } from 'vitest';
import { loadGraphText } from '../load.js';
import { defineUnit } from '../units/define.js';
import { Flow, type FlowOptions } from './flow.js';
import { FlowInput } from './flow-input.js';

const double = defineUnit({
  name: 'double',
  kind: 'normal',
  description: 'doubles',
  inputs: [['in', 'any']],
  outputs: [['out', 'any']],
  open: () => ({ process: (batch) => batch.map((item) => ({ ports: { out: (item.ports.in as number) * 2 } })) }),
});

const GRAPH = `[graph]\ngraphconf = """digraph t { in[type=input] a[type=flowunit, flowunit=double] b[type=flowunit, flowunit=double] sink[type=output] in -> a:in a:out -> b:in b:out -> sink }"""\n`;

/** A flow of the graph above fed by `input`, and a way to wait until `n` outputs have arrived. */
async function open(input: FlowInput<number>, options: Partial<FlowOptions> = {}): Promise<{ flow: Flow; out: number[]; outputs(n: number): Promise<void> }> {
  const { graph } = await loadGraphText(GRAPH, '/tmp/flow-input.toml', { units: [double], env: {} });
  const out: number[] = [];
  let waiting: { n: number; resolve: () => void } | undefined;
  const flow = await Flow.open(graph, {
    ...options,
    log: () => undefined,
    inputs: { in: input },
    outputs: {
      sink: (v) => {
        out.push(v as number);
        if (waiting && out.length >= waiting.n) waiting.resolve();
      },
    },
  });
  const outputs = (n: number): Promise<void> => (out.length >= n ? Promise.resolve() : new Promise<void>((resolve) => (waiting = { n, resolve })));
  return { flow, out, outputs };
}

describe('FlowInput: items pushed as they come', () => {
  for (const [way, options] of [
    ['a compiled chain reading its input directly', {}],
    ['the general path', { compile: false }],
    ['unfused, through the input node', { fuse: false }],
  ] as const) {
    it(`keeps one flow open for rounds of work, in order, and ends with end() (${way})`, async () => {
      const input = new FlowInput<number>();
      const { flow, out, outputs } = await open(input, options);
      const done = flow.start();
      for (let round = 0; round < 3; round++) {
        for (let k = 0; k < 50; k++) await input.push(round * 100 + k);
        await outputs((round + 1) * 50);
      }
      input.end();
      await done;
      expect(flow.compiledChains).toEqual(way.startsWith('a compiled') ? [['a', 'b']] : []);
      expect(out).toEqual([0, 1, 2].flatMap((round) => Array.from({ length: 50 }, (_, k) => (round * 100 + k) * 4)));
      expect(flow.metrics.snapshot().units.find((u) => u.node === 'in')?.itemsOut).toBe(150);
      await expect(input.push(1)).rejects.toThrow('push after end()');
    });
  }

  it('holds a producer at its capacity until the flow takes items (backpressure)', async () => {
    const input = new FlowInput<number>(4);
    for (let k = 0; k < 4; k++) expect(input.tryPush(k)).toBe(true);
    expect(input.tryPush(4)).toBe(false);
    let pushed = false;
    const fifth = input.push(4).then(() => (pushed = true));
    // Not added (a push with room adds its item at once), and still waiting a turn of the event loop later.
    expect(input.size).toBe(4);
    await new Promise((resolve) => setImmediate(resolve));
    expect(pushed).toBe(false);
    expect(input.size).toBe(4);
    const { flow, out, outputs } = await open(input);
    const done = flow.start();
    await fifth;
    await outputs(5);
    input.end();
    await done;
    expect(out).toEqual([0, 4, 8, 12, 16]);
  });

  it('stops a flow that waits for items; pushes after are refused with the reason', async () => {
    const input = new FlowInput<number>();
    const { flow, outputs } = await open(input);
    const done = flow.start();
    await input.push(1);
    await outputs(1);
    await flow.stop();
    await done;
    expect(() => input.tryPush(2)).toThrow('has ended: its input in takes no more items');
  });

  it('refuses undefined, a second flow on the same input, and one input for two input nodes', async () => {
    const input = new FlowInput<number>();
    expect(() => input.tryPush(undefined as unknown as number)).toThrow('cannot be undefined');
    const first = await open(input);
    await expect(open(input)).rejects.toThrow('already feeds node in of flow');
    const done = first.flow.start();
    input.end();
    await done;
    expect(() => new FlowInput(0)).toThrow('positive integer');
    const two = '[graph]\ngraphconf = """digraph t2 { a[type=input] b[type=input] sink[type=output] a -> sink b -> sink }"""\n';
    const { graph } = await loadGraphText(two, '/tmp/flow-input-two.toml', { units: [double], env: {} });
    const shared = new FlowInput<number>();
    await expect(Flow.open(graph, { log: () => undefined, inputs: { a: shared, b: shared } })).rejects.toThrow('already feeds node a of flow');
    // The failed open gave it back: a flow of its own can have it.
    const again = await open(shared);
    shared.end();
    await again.flow.start();
  });

  it('is an async iterable of its items for a reader of its own', async () => {
    const input = new FlowInput<string>();
    const read = (async () => {
      const seen: string[] = [];
      for await (const item of input) seen.push(item);
      return seen;
    })();
    await input.push('a');
    await input.push('b');
    input.end();
    expect(await read).toEqual(['a', 'b']);
  });
});
