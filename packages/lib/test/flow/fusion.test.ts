/**
 * Fusion of unit chains (src/flow/runtime/fusion.ts): which chains are fused, how to switch it off, and that every
 * graph gives the same outputs, in the same order, with the same events and per-unit counts, fused and unfused:
 * graphs of test units (failures, skips, conditions, batches, async units) and the three example graphs' shapes
 * with the built-in units (joint inference edge, ModelBox's mnist, the incremental learning inference worker).
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { MlpEstimator } from '../../src/backend/mlp/estimator.js';
import type { ModelSpec } from '../../src/backend/model-spec.js';
import { CrossEntropyFilter } from '../../src/algorithms/hard_example_mining/index.js';
import { BigModelService } from '../../src/core/joint_inference/big-model-service.js';
import { defineUnit, Flow, FlowInput, loadGraphText, type FlowEvent, type Meta, type StartedWork, type UnitDefinition, type UnitInput, type UnitOutput } from '../../src/flow/index.js';
import { saveOnnx } from '../../src/onnx/export.js';

const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Adds `add`; throws on the value `fail`; answers after `ms` (0: synchronously, no promise). */
const add = defineUnit({
  name: 'add',
  kind: 'normal',
  description: 'adds',
  inputs: [['in', 'any']],
  outputs: [['out', 'any']],
  options: [
    { name: 'add', type: 'number', description: 'what to add', default: 1 },
    { name: 'fail', type: 'number', description: 'the value it throws on', default: -1 },
    { name: 'ms', type: 'number', description: 'async wait (0: synchronous)', default: 0 },
  ],
  open: (context) => {
    const { add: plus, fail, ms } = context.options as { add: number; fail: number; ms: number };
    const map = (batch: readonly { ports: Readonly<Record<string, unknown>> }[]): { ports: Record<string, unknown>; meta: Meta }[] =>
      batch.map((item) => {
        if (item.ports.in === fail) throw new Error(`no ${fail}`);
        return { ports: { out: (item.ports.in as number) + plus }, meta: { [`by_${context.node}`]: true } };
      });
    return ms > 0 ? { process: async (batch) => (await delay(ms), map(batch)) } : { process: map };
  },
});

const parity = defineUnit({
  name: 'parity',
  kind: 'condition',
  description: 'even or odd',
  inputs: [['in', 'any']],
  outputs: [['even', 'any'], ['odd', 'any']],
  open: () => ({ process: (batch) => batch.map((item) => ({ ports: (item.ports.in as number) % 2 === 0 ? { even: item.ports.in } : { odd: item.ports.in } })) }),
});

/** Passes items on, but answers the value `at` wrongly, as `mode` says. */
const wrong = defineUnit({
  name: 'wrong',
  kind: 'normal',
  description: 'answers one item wrongly',
  inputs: [['in', 'any']],
  outputs: [['out', 'any']],
  options: [
    { name: 'at', type: 'number', description: 'the value answered wrongly', default: -1 },
    { name: 'mode', type: 'string', description: 'two, nothing, no-list, null, no-ports, missing, throw, reject', default: 'two' },
  ],
  open: (context) => {
    const { at, mode } = context.options as { at: number; mode: string };
    const right = (batch: readonly { ports: Readonly<Record<string, unknown>> }[]): unknown[] => batch.map((item) => ({ ports: { out: item.ports.in } }));
    const answer = (batch: readonly { ports: Readonly<Record<string, unknown>> }[]): unknown => {
      if (!batch.some((item) => item.ports.in === at)) return right(batch);
      if (mode === 'two') return [...right(batch), ...right(batch)];
      if (mode === 'nothing') return [];
      if (mode === 'no-list') return { ports: { out: at } };
      if (mode === 'null') return batch.map((item) => (item.ports.in === at ? null : { ports: { out: item.ports.in } }));
      if (mode === 'no-ports') return batch.map((item) => (item.ports.in === at ? { ports: 7 } : { ports: { out: item.ports.in } }));
      if (mode === 'missing') return batch.map((item) => ({ ports: item.ports.in === at ? { elsewhere: 1 } : { out: item.ports.in } }));
      throw new Error(`wrong at ${at}`);
    };
    return mode === 'reject' ? { process: async (batch) => (await delay(1), answer(batch)) as never } : { process: (batch) => answer(batch) as never };
  },
});

/** Calls of wrongOne's processOne (the compiled chain's path). */
const oneCalls = { n: 0 };

/**
 * Passes items on with processOne() (and process(), the same answer for each item of a batch), but answers the value
 * `at` wrongly, as `mode` says.
 */
const wrongOne = defineUnit({
  name: 'wrong_one',
  kind: 'normal',
  description: 'answers one item wrongly, one item at a time',
  inputs: [['in', 'any']],
  outputs: [['out', 'any']],
  options: [
    { name: 'at', type: 'number', description: 'the value answered wrongly', default: -1 },
    { name: 'mode', type: 'string', description: 'undefined, null, number, no-ports, missing, throw, reject', default: 'undefined' },
  ],
  open: (context) => {
    const { at, mode } = context.options as { at: number; mode: string };
    const answer = (input: UnitInput): UnitOutput => {
      if (input.ports.in !== at) return { ports: { out: input.ports.in } };
      if (mode === 'undefined') return undefined as never;
      if (mode === 'null') return null as never;
      if (mode === 'number') return 7 as never;
      if (mode === 'no-ports') return { ports: 7 } as never;
      if (mode === 'missing') return { ports: { elsewhere: 1 } };
      throw new Error(`wrong at ${at}`);
    };
    const processOne = (input: UnitInput): UnitOutput | Promise<UnitOutput> => {
      oneCalls.n++;
      return mode === 'reject' ? delay(1).then(() => answer(input)) : answer(input);
    };
    return {
      process: (batch) => (mode === 'reject' ? delay(1).then(() => batch.map(answer)) : batch.map(answer)),
      processOne,
    };
  },
});

/** Calls of byValue's processValue (the compiled chain's path for it). */
const valueCalls = { n: 0 };

/**
 * Passes values on by value (processValue; process() for the other paths gives the same answers), answering the
 * value `at` wrongly as `mode` says; `async` answers every value a little later, `reject` fails `at` a little later.
 */
const byValue = defineUnit({
  name: 'by_value',
  kind: 'normal',
  ignoresMeta: true,
  description: 'passes values on by value, one answered wrongly',
  inputs: [['in', 'any']],
  outputs: [['out', 'any']],
  options: [
    { name: 'at', type: 'number', description: 'the value answered wrongly', default: -1 },
    { name: 'mode', type: 'string', description: 'undefined, throw, reject, async', default: 'undefined' },
  ],
  open: (context) => {
    const { at, mode } = context.options as { at: number; mode: string };
    const answer = (value: unknown): unknown => {
      if (value !== at || mode === 'async') return value;
      if (mode === 'undefined') return undefined;
      throw new Error(`wrong at ${at}`);
    };
    const later = mode === 'async' || mode === 'reject';
    const processValue = (value: unknown): unknown => {
      valueCalls.n++;
      return later ? delay(1).then(() => answer(value)) : answer(value);
    };
    const output = (item: UnitInput): UnitOutput => ({ ports: { out: answer(item.ports.in) } });
    return { processValue, process: (batch) => (later ? delay(1).then(() => batch.map(output)) : batch.map(output)) };
  },
});

/** Calls of twoSteps' start and fail (the compiled chain's path for it). */
const stepCalls = { start: 0, fail: 0 };

/** What twoSteps' start began: the work, and the value it was given (its fallback answers with it). */
interface Begun extends StartedWork {
  readonly value: unknown;
}

/**
 * Passes values on a little later in two steps (start, finish, fail; process() for the other paths gives the same
 * answers), answering the value `at` wrongly as `mode` says: its work rejects, its finish throws, or its start throws;
 * or its work rejects and fail() answers with the value's negative (a fallback).
 */
const twoSteps = defineUnit({
  name: 'two_steps',
  kind: 'normal',
  description: 'passes values on in two steps, one answered wrongly',
  inputs: [['in', 'any']],
  outputs: [['out', 'any']],
  options: [
    { name: 'at', type: 'number', description: 'the value answered wrongly', default: -1 },
    { name: 'mode', type: 'string', description: 'reject, finish, start, fallback', default: 'reject' },
  ],
  open: (context) => {
    const { at, mode } = context.options as { at: number; mode: string };
    const work = (value: unknown): Promise<unknown> => delay(1).then(() => {
      if (value === at && (mode === 'reject' || mode === 'fallback')) throw new Error(`wrong at ${at}`);
      return value;
    });
    const output = (value: unknown): UnitOutput => {
      if (value === at && mode === 'finish') throw new Error(`wrong at ${at}`);
      return { ports: { out: value } };
    };
    const begin = (value: unknown): Promise<unknown> => {
      if (value === at && mode === 'start') throw new Error(`wrong at ${at}`);
      return work(value);
    };
    const rejected = (value: unknown, error: unknown): UnitOutput => {
      if (mode === 'fallback') return { ports: { out: -(value as number) } };
      throw error;
    };
    const one = (value: unknown): Promise<UnitOutput> => begin(value).then(output, (error: unknown) => rejected(value, error));
    return {
      process: (batch) => Promise.all(batch.map((item) => one(item.ports.in))),
      start: (input): Begun => {
        stepCalls.start++;
        const value = input.ports.in;
        return { work: begin(value), value };
      },
      finish: (_started, result) => output(result),
      fail: (started, error) => {
        stepCalls.fail++;
        return rejected((started as Begun).value, error);
      },
    };
  },
});

/** A condition that sets both outputs for the value `at`. */
const both = defineUnit({
  name: 'both',
  kind: 'condition',
  description: 'even or odd, both for one value',
  inputs: [['in', 'any']],
  outputs: [['even', 'any'], ['odd', 'any']],
  options: [{ name: 'at', type: 'number', description: 'the value sent both ways', default: -1 }],
  open: (context) => ({
    process: (batch) => batch.map((item) => ({ ports: item.ports.in === context.options.at ? { even: item.ports.in, odd: item.ports.in } : (item.ports.in as number) % 2 === 0 ? { even: item.ports.in } : { odd: item.ports.in } })),
  }),
});

/** Passes items on and adds to their meta; declares it never reads metas (so a fused node may merge them later). */
const quiet = defineUnit({
  name: 'quiet',
  kind: 'normal',
  ignoresMeta: true,
  description: 'passes, tags the meta',
  inputs: [['in', 'any']],
  outputs: [['out', 'any']],
  open: (context) => ({ process: (batch) => batch.map((item) => ({ ports: { out: item.ports.in }, meta: { [`by_${context.node}`]: true } })) }),
});

/** The meta each item arrives with, as its value. */
const metas = defineUnit({
  name: 'metas',
  kind: 'normal',
  description: 'the meta as the value',
  inputs: [['in', 'any']],
  outputs: [['out', 'any']],
  open: () => ({ process: (batch) => batch.map((item) => ({ ports: { out: { ...item.meta } } })) }),
});

/** Adds one, on ports named `__proto__` (an object literal with that key would set a prototype, not a port). */
const proto = defineUnit({
  name: 'proto',
  kind: 'normal',
  description: 'adds one on oddly named ports',
  inputs: [['__proto__', 'any']],
  outputs: [['__proto__', 'any']],
  open: () => ({ process: (batch) => batch.map((item) => ({ ports: Object.defineProperty({}, '__proto__', { value: (Object.getOwnPropertyDescriptor(item.ports, '__proto__')?.value as number) + 1, enumerable: true }) })) }),
});

const units: UnitDefinition[] = [add, parity, wrong, wrongOne, byValue, twoSteps, both, quiet, metas, proto];

interface Run {
  outputs: { value: unknown; meta: Meta }[];
  events: string[];
  counts: Record<string, { itemsIn: number; itemsOut: number; errors: number; skipped: number; batches?: number }>;
  chains: readonly (readonly string[])[];
}

async function run(graphText: string, fuse: boolean, options: { items?: unknown[]; pushed?: boolean; env?: Record<string, string>; units?: UnitDefinition[]; file?: string; batches?: boolean; compile?: boolean } = {}): Promise<Run> {
  const env = options.env ?? {};
  const { graph } = await loadGraphText(graphText, options.file ?? path.join(tmpdir(), 'fusion.toml'), { units: options.units ?? units, env });
  const outputs: Run['outputs'] = [];
  const events: FlowEvent[] = [];
  const flow = await Flow.open(graph, { env, fuse, ...(options.compile === false ? { compile: false } : {}), log: () => undefined, onEvent: (e) => events.push(e), ...(options.items ? { inputs: { in: options.pushed ? pushedInput(options.items) : options.items } } : {}), outputs: { out: (value, meta) => void outputs.push({ value, meta }) } });
  await flow.start();
  const counts: Run['counts'] = {};
  for (const u of flow.metrics.snapshot().units) {
    counts[u.node] = { itemsIn: u.itemsIn, itemsOut: u.itemsOut, errors: u.errors, skipped: u.skipped, ...(options.batches ? { batches: u.batches } : {}) };
    // Every unit that got items was timed (fused units too, one clock read between them).
    if (u.itemsIn > 0 && u.node !== 'out' && u.node !== 'in') expect(u.busySeconds, `${u.node} busy seconds`).toBeGreaterThan(0);
  }
  // A fused node with batch_size 1 runs its compiled chain, unless told not to.
  if (options.compile === false) expect(flow.compiledChains).toEqual([]);
  else expect(flow.compiledChains).toEqual(flow.fusedChains.filter((chain) => graph.nodes.find((n) => n.name === chain[0])?.batchSize === 1));
  return { outputs, events: events.map((e) => `${e.type} ${e.reason} ${e.node}: ${e.message}`), counts, chains: flow.fusedChains };
}

/** The items through a FlowInput, pushed as a worker pushes a stream's items, then ended. */
function pushedInput(items: readonly unknown[]): FlowInput<unknown> {
  const input = new FlowInput<unknown>(4);
  void (async () => {
    for (const item of items) if (!input.tryPush(item)) await input.push(item);
    input.end();
  })();
  return input;
}

/**
 * The graph fused (its batch_size 1 nodes through their compiled chains, runtime/item-chain.ts; the items given in
 * an array, and pushed through a FlowInput, which a compiled chain reads in its own loop), fused on the general path
 * (compile: false), and unfused: everything the user sees is the same; returns the first run.
 */
async function same(graphText: string, options: Parameters<typeof run>[2] = {}): Promise<Run> {
  const fused = await run(graphText, true, options);
  const pushed = options.items ? await run(graphText, true, { ...options, pushed: true }) : fused;
  const general = await run(graphText, true, { ...options, compile: false });
  const unfused = await run(graphText, false, options);
  expect(unfused.chains).toEqual([]);
  expect(general.chains).toEqual(fused.chains);
  for (const other of [pushed, general, unfused]) {
    expect(fused.outputs).toEqual(other.outputs);
    expect(fused.events).toEqual(other.events);
    expect(fused.counts).toEqual(other.counts);
  }
  return fused;
}

const graph = (body: string, extra = ''): string => `[graph]\n${extra}graphconf = """digraph g { ${body} }"""\n`;
const numbers = (n: number): number[] => Array.from({ length: n }, (_, k) => k);

describe('fusion of unit chains', () => {
  it('fuses a linear chain into one node with the same outputs, order, events and per-unit counts', async () => {
    const text = graph(`in[type=input] a[type=flowunit, flowunit=add, fail=13] b[type=flowunit, flowunit=add, add=10, ms=1] c[type=flowunit, flowunit=add, add=100] out[type=output]
      in -> a:in a:out -> b:in b:out -> c:in c:out -> out`);
    const fused = await same(text, { items: numbers(40), batches: true });
    expect(fused.chains).toEqual([['a', 'b', 'c']]);
    expect(fused.outputs.map((o) => o.value)).toEqual(numbers(40).filter((k) => k !== 13).map((k) => k + 111));
    expect(fused.outputs[0]?.meta).toEqual({ index: 0, by_a: true, by_b: true, by_c: true });
    expect(fused.events).toEqual(['Warning ItemFailed a: item 13 (index=13) dropped: no 13']);
    expect(fused.counts.b).toEqual({ itemsIn: 39, itemsOut: 39, errors: 0, skipped: 1, batches: 39 });
  });

  it('fuses a condition unit, its branches and the unit where they meet; items meet again in order', async () => {
    const text = graph(`in[type=input] a[type=flowunit, flowunit=add, add=0] p[type=flowunit, flowunit=parity]
      e1[type=flowunit, flowunit=add, add=1000] e2[type=flowunit, flowunit=add, add=1000, fail=1004] o1[type=flowunit, flowunit=add, add=0, ms=1]
      m[type=flowunit, flowunit=add, add=0] out[type=output]
      in -> a:in a:out -> p:in p:even -> e1:in e1:out -> e2:in p:odd -> o1:in e2:out -> m:in o1:out -> m:in m:out -> out`);
    const fused = await same(text, { items: numbers(30), batches: true });
    // The branches (e1 -> e2 on even, o1 on odd, an async unit) meet at m: all one node, in the graph's order.
    expect(fused.chains).toEqual([['a', 'p', 'e1', 'o1', 'e2', 'm']]);
    expect(fused.outputs.map((o) => o.value)).toEqual(numbers(30).filter((k) => k !== 4).map((k) => (k % 2 === 0 ? k + 2000 : k)));
    expect(fused.outputs[1]?.meta).toEqual({ index: 1, by_a: true, by_o1: true, by_m: true });
    expect(fused.events).toEqual(['Warning ItemFailed e2: item 4 (index=4) dropped: no 1004']);
    expect(fused.counts.e1).toMatchObject({ itemsIn: 15, itemsOut: 15, skipped: 15 });
    expect(fused.counts.e2).toMatchObject({ itemsIn: 15, itemsOut: 14, errors: 1, skipped: 15 });
    expect(fused.counts.m).toMatchObject({ itemsIn: 29, itemsOut: 29, skipped: 1 });
  });

  it('drops an item a unit answers wrongly, the same way on every path, and goes on', async () => {
    const modes = ['two', 'nothing', 'no-list', 'null', 'no-ports', 'missing', 'throw', 'reject'];
    const chain = modes.map((mode, k) => `w${k}[type=flowunit, flowunit=wrong, mode=${mode}, at=${k + 2}]`).join(' ');
    const edges = modes.map((_, k) => `w${k}:out -> w${k + 1}:in`).join(' ').replace(`w${modes.length}:in`, 'c:in');
    const text = graph(`in[type=input] ${chain} c[type=flowunit, flowunit=both, at=15] e[type=flowunit, flowunit=add, add=0] o[type=flowunit, flowunit=add, add=0] m[type=flowunit, flowunit=add, add=0] out[type=output]
      in -> w0:in ${edges} c:even -> e:in c:odd -> o:in e:out -> m:in o:out -> m:in m:out -> out`);
    const fused = await same(text, { items: numbers(20), batches: true });
    expect(fused.chains).toEqual([[...modes.map((_, k) => `w${k}`), 'c', 'e', 'o', 'm']]);
    expect(fused.outputs.map((o) => o.value)).toEqual(numbers(20).filter((k) => k < 2 || k > 9).filter((k) => k !== 15));
    expect(fused.events).toEqual([
      'Warning ItemFailed w0: item 2 (index=2) dropped: unit wrong returned 2 outputs for 1 inputs',
      'Warning ItemFailed w1: item 3 (index=3) dropped: unit wrong returned 0 outputs for 1 inputs',
      'Warning ItemFailed w2: item 4 (index=4) dropped: unit wrong returned object instead of a list of outputs for 1 inputs',
      'Warning ItemFailed w3: item 5 (index=5) dropped: unit wrong gave an output without a ports object',
      'Warning ItemFailed w4: item 6 (index=6) dropped: unit wrong gave an output without a ports object',
      'Warning ItemFailed w5: item 7 (index=7) dropped: unit wrong gave no value on output out',
      'Warning ItemFailed w6: item 8 (index=8) dropped: wrong at 8',
      'Warning ItemFailed w7: item 9 (index=9) dropped: wrong at 9',
      'Warning ItemFailed c: item 15 (index=15) dropped: condition unit both must set exactly one output, set 2',
    ]);
    expect(fused.counts.w7).toEqual({ itemsIn: 13, itemsOut: 12, errors: 1, skipped: 7, batches: 13 });
    expect(fused.counts.m).toMatchObject({ itemsIn: 11, itemsOut: 11, errors: 0, skipped: 9 });
  });

  it('takes each item through a unit\'s processOne() in a compiled chain, a wrong answer dropped as on the other paths', async () => {
    const modes = ['undefined', 'null', 'number', 'no-ports', 'missing', 'throw', 'reject'];
    const chain = modes.map((mode, k) => `w${k}[type=flowunit, flowunit=wrong_one, mode=${mode}, at=${k + 2}]`).join(' ');
    const edges = modes.map((_, k) => `w${k}:out -> w${k + 1}:in`).join(' ').replace(`w${modes.length}:in`, 'out');
    const text = graph(`in[type=input] ${chain} out[type=output] in -> w0:in ${edges}`);
    oneCalls.n = 0;
    const fused = await same(text, { items: numbers(12) });
    expect(fused.chains).toEqual([modes.map((_, k) => `w${k}`)]);
    // Only the compiled chain calls processOne (twice: items in an array, then pushed): each unit once for every
    // item that reached it (one fewer each).
    expect(oneCalls.n).toBe(2 * (12 + 11 + 10 + 9 + 8 + 7 + 6));
    expect(fused.outputs.map((o) => o.value)).toEqual(numbers(12).filter((k) => k < 2 || k > 8));
    expect(fused.events).toEqual([
      'Warning ItemFailed w0: item 2 (index=2) dropped: unit wrong_one gave an output without a ports object',
      'Warning ItemFailed w1: item 3 (index=3) dropped: unit wrong_one gave an output without a ports object',
      'Warning ItemFailed w2: item 4 (index=4) dropped: unit wrong_one gave an output without a ports object',
      'Warning ItemFailed w3: item 5 (index=5) dropped: unit wrong_one gave an output without a ports object',
      'Warning ItemFailed w4: item 6 (index=6) dropped: unit wrong_one gave no value on output out',
      'Warning ItemFailed w5: item 7 (index=7) dropped: wrong at 7',
      'Warning ItemFailed w6: item 8 (index=8) dropped: wrong at 8',
    ]);
  });

  it('calls a unit by value (processValue) in a compiled chain, between units called with ports, a wrong answer dropped as on the other paths', async () => {
    const modes = ['undefined', 'throw', 'async', 'reject'];
    const chain = modes.map((mode, k) => `v${k}[type=flowunit, flowunit=by_value, mode=${mode}, at=${k + 2}] a${k}[type=flowunit, flowunit=add, add=0]`).join(' ');
    const edges = modes.map((_, k) => `v${k}:out -> a${k}:in a${k}:out -> v${k + 1}:in`).join(' ').replace(`v${modes.length}:in`, 'out');
    const text = graph(`in[type=input] ${chain} out[type=output] in -> v0:in ${edges}`);
    valueCalls.n = 0;
    const fused = await same(text, { items: numbers(10) });
    expect(fused.chains).toEqual([modes.flatMap((_, k) => [`v${k}`, `a${k}`])]);
    // Only the compiled chain calls processValue (twice: items in an array, then pushed): each by_value unit once for
    // every item that reached it (mode async drops none).
    expect(valueCalls.n).toBe(2 * (10 + 9 + 8 + 8));
    expect(fused.outputs.map((o) => o.value)).toEqual(numbers(10).filter((k) => k !== 2 && k !== 3 && k !== 5));
    // The metas the add units gave the items around the units called by value.
    expect(fused.outputs[0]?.meta).toEqual({ index: 0, by_a0: true, by_a1: true, by_a2: true, by_a3: true });
    expect(fused.events).toEqual([
      'Warning ItemFailed v0: item 2 (index=2) dropped: unit by_value gave no value on output out',
      'Warning ItemFailed v1: item 3 (index=3) dropped: wrong at 3',
      'Warning ItemFailed v3: item 5 (index=5) dropped: wrong at 5',
    ]);
  });

  it('calls a unit by value where branches meet, and in a chain of units all by value (no metas to merge)', async () => {
    // Even values straight from the condition, odd ones through a unit that adds a meta; the unit where they meet
    // fails 5.
    const met = graph(`in[type=input] p[type=flowunit, flowunit=parity] o[type=flowunit, flowunit=add, add=0] m[type=flowunit, flowunit=by_value, mode=throw, at=5] out[type=output]
      in -> p:in p:even -> m:in p:odd -> o:in o:out -> m:in m:out -> out`);
    valueCalls.n = 0;
    const fusedMet = await same(met, { items: numbers(8) });
    expect(fusedMet.chains).toEqual([['p', 'o', 'm']]);
    expect(valueCalls.n).toBe(2 * 8);
    expect(fusedMet.outputs.map((o) => o.value)).toEqual([0, 1, 2, 3, 4, 6, 7]);
    expect(fusedMet.outputs.slice(0, 2).map((o) => o.meta)).toEqual([{ index: 0 }, { index: 1, by_o: true }]);
    expect(fusedMet.events).toEqual(['Warning ItemFailed m: item 5 (index=5) dropped: wrong at 5']);
    // Two units that both send every item into one port: refused there, whoever is called by value.
    const twice = graph(`in[type=input] a[type=flowunit, flowunit=add, add=0] b[type=flowunit, flowunit=add, add=0] m[type=flowunit, flowunit=by_value] out[type=output]
      in -> a:in a:out -> b:in a:out -> m:in b:out -> m:in m:out -> out`);
    const fusedTwice = await same(twice, { items: numbers(2) });
    expect(fusedTwice.outputs).toEqual([]);
    expect(fusedTwice.events).toEqual([0, 1].map((k) => `Warning ItemFailed m: item ${k} (index=${k}) dropped: input port in got 2 values for one item (its edges are not branches of one condition)`));
    // All by value: each item leaves with the meta it came in with.
    const all = graph(`in[type=input] v0[type=flowunit, flowunit=by_value] v1[type=flowunit, flowunit=by_value, mode=undefined, at=3] out[type=output]
      in -> v0:in v0:out -> v1:in v1:out -> out`);
    const fusedAll = await same(all, { items: numbers(6) });
    expect(fusedAll.chains).toEqual([['v0', 'v1']]);
    expect(fusedAll.outputs.map((o) => o.value)).toEqual([0, 1, 2, 4, 5]);
    expect(fusedAll.outputs[0]?.meta).toEqual({ index: 0 });
  });

  it('awaits a two-step unit\'s work itself in a compiled chain (start, finish, fail), a wrong answer dropped or answered by fail() as on the other paths', async () => {
    const modes = ['reject', 'finish', 'start', 'fallback'];
    const chain = modes.map((mode, k) => `s${k}[type=flowunit, flowunit=two_steps, mode=${mode}, at=${k + 2}]`).join(' ');
    const edges = modes.map((_, k) => `s${k}:out -> s${k + 1}:in`).join(' ').replace(`s${modes.length}:in`, 'out');
    const text = graph(`in[type=input] ${chain} out[type=output] in -> s0:in ${edges}`);
    stepCalls.start = 0;
    stepCalls.fail = 0;
    const fused = await same(text, { items: numbers(8) });
    expect(fused.chains).toEqual([modes.map((_, k) => `s${k}`)]);
    // Only the compiled chain starts and fails work (twice: items in an array, then pushed); fail is called for the
    // rejected work only (a throw in finish or start is the unit's own); the last unit's fail answers for item 5.
    expect(stepCalls.start).toBe(2 * (8 + 7 + 6 + 5));
    expect(stepCalls.fail).toBe(2 * 2);
    expect(fused.outputs.map((o) => o.value)).toEqual([0, 1, -5, 6, 7]);
    expect(fused.events).toEqual([
      'Warning ItemFailed s0: item 2 (index=2) dropped: wrong at 2',
      'Warning ItemFailed s1: item 3 (index=3) dropped: wrong at 3',
      'Warning ItemFailed s2: item 4 (index=4) dropped: wrong at 4',
    ]);
  });

  it('gives a unit that reads metas everything the units before it added, also past units that ignore metas', async () => {
    const text = graph(`in[type=input] a[type=flowunit, flowunit=add, add=0] q1[type=flowunit, flowunit=quiet] p[type=flowunit, flowunit=parity]
      q2[type=flowunit, flowunit=quiet] r[type=flowunit, flowunit=metas] q3[type=flowunit, flowunit=quiet] out[type=output]
      in -> a:in a:out -> q1:in q1:out -> p:in p:even -> q2:in q2:out -> r:in p:odd -> r:in r:out -> q3:in q3:out -> out`);
    const fused = await same(text, { items: numbers(6) });
    expect(fused.chains).toEqual([['a', 'q1', 'p', 'q2', 'r', 'q3']]);
    expect(fused.outputs.map((o) => o.value)).toEqual(numbers(6).map((k) => (k % 2 === 0 ? { index: k, by_a: true, by_q1: true, by_q2: true } : { index: k, by_a: true, by_q1: true })));
    expect(fused.outputs.map((o) => o.meta)).toEqual(numbers(6).map((k) => (k % 2 === 0 ? { index: k, by_a: true, by_q1: true, by_q2: true, by_q3: true } : { index: k, by_a: true, by_q1: true, by_q3: true })));
  });

  it('times every unit of a compiled chain\'s first items and of one in 64 after, and counts every call in its histogram', async () => {
    const text = graph(`in[type=input] a[type=flowunit, flowunit=add] p[type=flowunit, flowunit=parity] e[type=flowunit, flowunit=add] o[type=flowunit, flowunit=add] m[type=flowunit, flowunit=add] out[type=output]
      in -> a:in a:out -> p:in p:even -> e:in p:odd -> o:in e:out -> m:in o:out -> m:in m:out -> out`);
    const { graph: built } = await loadGraphText(text, path.join(tmpdir(), 'sampled.toml'), { units, env: {} });
    const flow = await Flow.open(built, { log: () => undefined, inputs: { in: numbers(1000) }, outputs: { out: () => undefined } });
    const clock = vi.spyOn(performance, 'now');
    let reads: number;
    try {
      await flow.start();
    } finally {
      reads = clock.mock.calls.length;
      clock.mockRestore();
    }
    expect(flow.compiledChains).toEqual([['a', 'p', 'e', 'o', 'm']]);
    // Timed: items 0-255, then 256, 320, ..., 960 (12 more); each read the clock once to start and once after each of
    // its four units (a, p, e or o, m).
    expect(reads).toBe((256 + 12) * 5);
    for (const [node, calls] of [['a', 1000], ['e', 500], ['o', 500], ['m', 1000]] as const) {
      const unit = flow.metrics.units.get(node);
      expect(unit?.batches, node).toBe(calls);
      // Every call is in the histogram (the untimed ones with the timed call after them, or the last one's).
      expect(unit?.latencyBuckets.reduce((x, y) => x + y, 0), node).toBe(calls);
      expect(unit?.busySeconds, node).toBeGreaterThan(0);
    }
    const text2 = await flow.metrics.text();
    expect(text2).toMatch(/sedna_flow_unit_latency_seconds_count\{[^}]*node="a"[^}]*\} 1000/);
  });

  it('compiles a chain whose node names and ports hold anything without running any of it', async () => {
    // A quoted Graphviz ID may hold a line separator (U+2028), which ends a JavaScript comment line.
    const name = 'a\u2028globalThis.sednaFlowInjected = true;//';
    const text = graph(`in[type=input] ${JSON.stringify(name)}[type=flowunit, flowunit=add] b[type=flowunit, flowunit=add] out[type=output]
      in -> ${JSON.stringify(name)}:in ${JSON.stringify(name)}:out -> b:in b:out -> out`);
    const fused = await same(text, { items: numbers(3) });
    expect(fused.chains).toEqual([[name, 'b']]);
    expect(fused.outputs.map((o) => o.value)).toEqual([2, 3, 4]);
    expect((globalThis as Record<string, unknown>).sednaFlowInjected).toBeUndefined();
    // Ports named __proto__ are ports like any other.
    const oddPorts = graph(`in[type=input] p[type=flowunit, flowunit=proto] q[type=flowunit, flowunit=proto] out[type=output]
      in -> p:__proto__ p:__proto__ -> q:__proto__ q:__proto__ -> out`);
    const odd = await same(oddPorts, { items: numbers(3) });
    expect(odd.chains).toEqual([['p', 'q']]);
    expect(odd.outputs.map((o) => o.value)).toEqual([2, 3, 4]);
  });

  it('goes on after the meeting unit, through a second condition, with batches', async () => {
    const text = graph(`in[type=input] p[type=flowunit, flowunit=parity, batch_size=4] e[type=flowunit, flowunit=add, add=1, batch_size=4, fail=6]
      m[type=flowunit, flowunit=add, add=0, batch_size=4, ms=1] q[type=flowunit, flowunit=parity, batch_size=4] z[type=flowunit, flowunit=add, add=100, batch_size=4]
      n[type=flowunit, flowunit=add, add=0, batch_size=4] out[type=output]
      in -> p:in p:even -> e:in e:out -> m:in p:odd -> m:in m:out -> q:in q:even -> z:in z:out -> n:in q:odd -> n:in n:out -> out`);
    // A branch unit gets its branch's items of each batch of the node: its calls differ, not its items or order.
    const fused = await same(text, { items: numbers(41) });
    expect(fused.chains).toEqual([['p', 'e', 'm', 'q', 'z', 'n']]);
    // Even k: +1 on the first even branch, so odd at the second condition; odd k: odd at both; e fails on 6.
    expect(fused.outputs.map((o) => o.value)).toEqual(numbers(41).filter((k) => k !== 6).map((k) => (k % 2 === 0 ? k + 1 : k)));
    expect(fused.counts.z).toMatchObject({ itemsIn: 0, skipped: 41 });
  });

  it('leaves a condition\'s branches alone where they fan out, meet other items, or a port has two edges', async () => {
    const p = 'in[type=input] p[type=flowunit, flowunit=parity] e1[type=flowunit, flowunit=add] m[type=flowunit, flowunit=add, add=0] out[type=output]';
    const shapes = [
      // e1 fans out (to m and to an output of its own)
      `${p} out2[type=output] in -> p:in p:even -> e1:in e1:out -> m:in e1:out -> out2 p:odd -> m:in m:out -> out`,
      // m is also fed by a unit outside the branches
      `${p} o1[type=flowunit, flowunit=add] in -> p:in in -> o1:in p:even -> e1:in e1:out -> m:in p:odd -> m:in o1:out -> m:in m:out -> out`,
      // the branches end at different units
      `${p} out2[type=output] in -> p:in p:even -> e1:in e1:out -> out p:odd -> m:in m:out -> out2`,
      // one port of the condition has two edges
      `${p} in -> p:in p:even -> e1:in p:even -> m:in e1:out -> m:in p:odd -> m:in m:out -> out`,
    ];
    for (const body of shapes) {
      const { graph: built } = await loadGraphText(graph(body), path.join(tmpdir(), 'fusion.toml'), { units, env: {} });
      const flow = await Flow.open(built, { env: {}, log: () => undefined, inputs: { in: numbers(4) } });
      await flow.start();
      for (const chain of flow.fusedChains) expect(chain, body).not.toContain('p');
    }
  });

  it('fuses only units with the same batch size, one batch in flight and no worker threads', async () => {
    const text = graph(`in[type=input] a[type=flowunit, flowunit=add, batch_size=4] b[type=flowunit, flowunit=add, batch_size=4, fail=5] c[type=flowunit, flowunit=add, batch_size=2]
      d[type=flowunit, flowunit=add, batch_size=2, concurrency=3, ms=2] e[type=flowunit, flowunit=add, batch_size=2] f[type=flowunit, flowunit=add, batch_size=2] out[type=output]
      in -> a:in a:out -> b:in b:out -> c:in c:out -> d:in d:out -> e:in e:out -> f:in f:out -> out`);
    const fused = await same(text, { items: numbers(50) });
    expect(fused.chains).toEqual([['a', 'b'], ['e', 'f']]);
    expect(fused.outputs.map((o) => o.value)).toEqual(numbers(50).filter((k) => k !== 4).map((k) => k + 6));
  });

  it('is switched off by the flow option, SEDNA_FLOW_FUSE=false and [graph] fuse = false; a bad value is refused', async () => {
    const body = `in[type=input] a[type=flowunit, flowunit=add] b[type=flowunit, flowunit=add] out[type=output] in -> a:in a:out -> b:in b:out -> out`;
    expect((await run(graph(body), true, { items: numbers(3) })).chains).toEqual([['a', 'b']]);
    expect((await run(graph(body), false, { items: numbers(3) })).chains).toEqual([]);
    const open = async (text: string, env: Record<string, string>): Promise<Flow> => {
      const { graph: built } = await loadGraphText(text, path.join(tmpdir(), 'fusion.toml'), { units, env });
      return Flow.open(built, { env, log: () => undefined, inputs: { in: numbers(3) } });
    };
    for (const [text, env, chains] of [
      [graph(body), {}, [['a', 'b']]],
      [graph(body), { SEDNA_FLOW_FUSE: 'false' }, []],
      [graph(body), { SEDNA_FLOW_FUSE: '0' }, []],
      [graph(body, 'fuse = false\n'), {}, []],
      [graph(body, 'fuse = false\n'), { SEDNA_FLOW_FUSE: 'true' }, [['a', 'b']]],
    ] as const) {
      const flow = await open(text, env);
      await flow.start();
      expect(flow.fusedChains, `${JSON.stringify(env)} ${text.includes('fuse = false') ? 'fuse = false' : ''}`).toEqual(chains);
    }
    const bad = await open(graph(body), { SEDNA_FLOW_FUSE: 'maybe' });
    expect(() => bad.start()).toThrow(/SEDNA_FLOW_FUSE="maybe": expected true or false/);
    await bad.stop();
    await expect(loadGraphText(graph(body, 'fuse = "sometimes"\n'), 'bad.toml', { units, env: {} })).rejects.toThrow(/\[graph\] fuse must be true or false/);
  });
});

describe('the example graphs fused and unfused, with the built-in units', () => {
  const SPEC: ModelSpec = { inputShape: [784], layers: [{ type: 'dense', units: 10, activation: 'softmax' }] };
  let dir: string;
  let service: BigModelService;
  let env: Record<string, string>;
  const image = (seed: number): Uint8Array => Uint8Array.from({ length: 784 }, (_, i) => (i * 31 + seed * 17) % 256);
  const images = Array.from({ length: 40 }, (_, k) => (k === 7 ? new Uint8Array(5) : image(k))); // item 7 is broken

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'flow-fusion-'));
    const little = new MlpEstimator({ spec: SPEC, seed: 1 });
    await saveOnnx(little, path.join(dir, 'little.onnx'));
    service = new BigModelService({ estimator: new MlpEstimator({ spec: SPEC, seed: 7 }), modelUrl: false, env: { JOB_NAME: 'ji', BIG_MODEL_BIND_IP: '127.0.0.1', BIG_MODEL_BIND_PORT: '0' }, log: () => undefined });
    const { port } = await service.start();
    // The threshold at the little model's median confidence on these images: about half of them are hard.
    const filter = new CrossEntropyFilter();
    const confidences: number[] = [];
    for (const bytes of images) if (bytes.length === 784) confidences.push(filter.confidence((await little.predict({ data: Float32Array.from(bytes, (v) => v / 255), shape: [1, 784] })).data) as number);
    const median = [...confidences].sort((a, b) => a - b)[Math.floor(confidences.length / 2)] as number;
    env = { MODEL_URL: path.join(dir, 'little.onnx'), HEM_NAME: 'CrossEntropy', HEM_PARAMETERS: JSON.stringify([{ key: 'threshold_cross_entropy', value: String(median) }]), BIG_MODEL_IP: '127.0.0.1', BIG_MODEL_PORT: String(port), JOB_NAME: 'ji' };
  });
  afterAll(async () => {
    await service.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('joint inference edge (the benchmark\'s graph): decode -> normalize -> infer -> mining -> cloud | edge -> result', async () => {
    const text = graph(`in[type=input]
      decode[type=flowunit, flowunit=image_decode, format=raw, width=28, height=28, channels=1]
      preprocess[type=flowunit, flowunit=normalize, standard_deviation_inverse="0.00392156862745098"]
      infer[type=flowunit, flowunit=onnx_inference] mining[type=flowunit, flowunit=hard_example_mining]
      cloud[type=flowunit, flowunit=cloud_inference] result[type=flowunit, flowunit=classification_result] out[type=output]
      in -> decode:in_data decode:out_image -> preprocess:in_data preprocess:out_data -> infer:input infer:out_inference -> mining:in_inference
      mining:hard -> cloud:in_inference mining:easy -> result:in_data cloud:out_inference -> result:in_data result:out_data -> out`);
    const fused = await same(text, { items: images, env, units: [], batches: true });
    expect(fused.chains).toEqual([['decode', 'preprocess', 'infer', 'mining', 'cloud', 'result']]);
    expect(fused.outputs).toHaveLength(39);
    const answeredBy = new Set(fused.outputs.map((o) => (o.value as { answeredBy: string }).answeredBy));
    expect(answeredBy).toEqual(new Set(['cloud', 'edge']));
    expect(fused.events).toEqual([expect.stringMatching(/^Warning ItemFailed decode: item 7 \(index=7\) dropped: expected 784 bytes/)]);
  });

  it('ModelBox\'s mnist shape: preprocess -> normalize -> infer (batches of 8) -> response', async () => {
    const text = graph(`in[type=input]
      mnist_preprocess[type=flowunit, flowunit=image_decode, format=raw, width=28, height=28, channels=1]
      mnist_normalize[type=flowunit, flowunit=normalize, standard_deviation_inverse="0.00392156862745098"]
      mnist_infer[type=flowunit, flowunit=onnx_inference, batch_size=8] mnist_response[type=flowunit, flowunit=classification_result] out[type=output]
      in -> mnist_preprocess:in_data mnist_preprocess:out_image -> mnist_normalize:in_data mnist_normalize:out_data -> mnist_infer:input
      mnist_infer:output -> mnist_response:in_data mnist_response:out_data -> out`);
    const fused = await same(text, { items: images, env, units: [] });
    expect(fused.chains).toEqual([['mnist_preprocess', 'mnist_normalize']]);
    expect(fused.outputs).toHaveLength(39);
  });

  it('incremental learning inference: normalize -> infer -> mining -> saver | edge -> result -> file', async () => {
    const run_ = async (fuse: boolean): Promise<{ run: Run; lines: string[]; saved: string[] }> => {
      const sub = path.join(dir, fuse ? 'fused' : 'unfused');
      const text = graph(`in[type=input]
        preprocess[type=flowunit, flowunit=normalize, standard_deviation_inverse="0.00392156862745098"]
        infer[type=flowunit, flowunit=onnx_inference] mining[type=flowunit, flowunit=hard_example_mining]
        save[type=flowunit, flowunit=hard_example_saver, dir="${sub}/he"] result[type=flowunit, flowunit=classification_result]
        results[type=flowunit, flowunit=file_output, path="${sub}/results.txt", template="{index} {value.class} {value.answeredBy}"]
        tap[type=flowunit, flowunit=classification_result] out[type=output]
        in -> preprocess:in_data preprocess:out_data -> infer:input infer:out_inference -> mining:in_inference
        mining:hard -> save:in_inference save:out_inference -> result:in_data mining:easy -> result:in_data
        result:out_data -> results:in_data infer:output -> tap:in_data tap:out_data -> out`);
      const frames = images.filter((b) => b.length === 784).map((b) => ({ data: b, width: 28, height: 28, channels: 1, layout: 'hwc', pixelFormat: 'gray' }));
      const result = await run(text, fuse, { items: frames, env, units: [] });
      return { run: result, lines: (await readFile(path.join(sub, 'results.txt'), 'utf8')).trim().split('\n'), saved: (await readFile(path.join(sub, 'he', 'index.txt'), 'utf8')).trim().split('\n').map((l) => path.basename(l.split(/\s+/)[0] as string)) };
    };
    const fused = await run_(true);
    const unfused = await run_(false);
    // infer fans out (mining and tap): preprocess -> infer is one node, mining with its branches (save | edge)
    // meeting at result, and results after it, another.
    expect(fused.run.chains).toEqual([['preprocess', 'infer'], ['mining', 'save', 'result', 'results']]);
    expect(unfused.run.chains).toEqual([]);
    expect(fused.run.outputs).toEqual(unfused.run.outputs);
    expect(fused.run.counts).toEqual(unfused.run.counts);
    expect(fused.lines).toEqual(unfused.lines);
    expect(fused.lines).toHaveLength(39);
    expect(fused.saved).toEqual(unfused.saved);
    expect(fused.saved.length).toBeGreaterThan(0);
  });
});
