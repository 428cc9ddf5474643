/**
 * A fused node's units (fusion.ts) compiled into a function that takes a single item through all of them (and a loop
 * that does so for each item of a FlowInput): the path of a stream's items when the node's batch_size is 1. It does
 * what fused-stages.ts and unit-stage.ts do for a batch of one data row (each unit's rows from the units before it,
 * the unit called with the item itself where it has processValue(), start() or processOne(), and with a batch of one
 * otherwise, skips where a branch was not taken, the pairing
 * where branches meet, the checks of what a unit gives back, every unit's counts, time per call, events and dropped
 * items), with none of their per-batch lists, one `await` where a unit answers with a promise, and an item's meta
 * merged once (where a unit reads it, where the item is reported, and at the end) rather than once per unit that adds
 * to it: units that declare `ignoresMeta` get it without what the units just before them added.
 *
 * Why a function written for each chain: run by shared code, every step of every unit goes through the same call
 * sites (the unit's process(), the reads of its ports), which V8 then sees called with many functions and objects of
 * many shapes, and handles through its slowest, generic paths; and the scheduler's per-batch lists and objects
 * between the units cost more than the units' own work on a small item. Written out per chain, each site sees one
 * unit and one shape. Measured in `npm run bench -- flow` (overhead_pct): see the flow README.
 *
 * Only what a graph's names become is written into the code: port names as JSON string literals (no name is ever
 * code; as object keys through port-objects.ts literalKey) and the chain's node names in comments; the units and
 * their stages (metrics, counts, reports of dropped items) are passed in as values.
 */
import type { BuiltNode } from '../graph/build.js';
import type { UnitInstance } from '../types.js';
import type { FlowInput } from './flow-input.js';
import type { FusedSource } from './fused-stages.js';
import { TIMED_EVERY, TIMED_FIRST, type ChainCount } from './metrics.js';
import { metaMerge, type MergeMeta } from './meta-merge.js';
import { literalKey } from './port-objects.js';
import type { Row } from './tokens.js';
import type { Emission, UnitStage } from './unit-stage.js';

type DataRow = Extract<Row, { kind: 'data' }>;

/** One item through the chain: the last unit's emission for it (data, or a skip where it was dropped or not sent). */
export type ItemChain = (row: DataRow) => Promise<Emission>;

/** The chain's loop over a FlowInput's items (see pushedLoop); ends when the input has ended or the flow stops. */
export type PushedLoop = (
  feed: FlowInput,
  signal: AbortSignal,
  rowOf: (value: unknown) => DataRow,
  emit: (emission: Emission) => Promise<void> | undefined,
  next: (feed: FlowInput, signal: AbortSignal) => Promise<unknown>,
) => Promise<void>;

/** A compiled chain: one item at a time, and its own loop over a FlowInput. */
export interface CompiledChain {
  readonly item: ItemChain;
  readonly pushed: PushedLoop;
}

/** A marker for "no error" (a unit may throw anything, undefined included). */
const NONE: unique symbol = Symbol('none');

/** A name in code as a string literal (a port read `o.ports["name"]`, a message); as an object key: literalKey. */
const literal = (name: string): string => JSON.stringify(name);

type ChainFactory = (stages: readonly UnitStage[], instances: readonly UnitInstance[], none: typeof NONE, mergeMeta: MergeMeta, count: ChainCount) => CompiledChain;

/**
 * The factories made so far, by their code: a graph opened again (a new flow of the same graph, as a worker does
 * for each stream) gets the same factory, so its chain shares what V8 learned and compiled for the last one rather
 * than starting cold (each new Function is new code to V8).
 */
const factories = new Map<string, ChainFactory>();

/** Whether a fused chain of units can be compiled (see compileItemChain). */
export function compilable(chain: readonly BuiltNode[], instanceOf: (node: BuiltNode) => UnitInstance | undefined): boolean {
  if (chain.length < 2) return false;
  for (const node of chain) {
    if (node.batchSize !== 1 || node.threads > 0 || typeof instanceOf(node)?.process !== 'function') return false;
  }
  return true;
}

/**
 * The chain's functions (one item at a time; its own loop over a FlowInput), or undefined when it cannot be
 * compiled: batches of more than one item, or a unit in worker threads or without process(). Those nodes keep the
 * general path (fused-stages.ts).
 */
export function compileItemChain(stages: readonly UnitStage[], sources: readonly (readonly FusedSource[])[]): CompiledChain | undefined {
  if (stages.some((stage) => stage.pooled)) return undefined;
  if (!compilable(stages.map((stage) => stage.node), (node) => stages.find((stage) => stage.node === node)?.instance)) return undefined;
  // Timing (metrics.ts): the chain's first TIMED_FIRST items and one in TIMED_EVERY after are timed at every unit,
  // with one clock read between two units (a unit's time starts where the last one's ended); the calls of the other
  // items are given the time of the unit's next timed call (observeItem counts them by the unit's items in). One
  // decision per item, not one per unit; and two functions, one with the clock reads and one without: the untimed
  // items, nearly all, run code with none of the timing in it: less machine code on every image's way (its size:
  // `npm run bench -- flow --parts code_sizes`).
  const byValue = unitsByValue(stages);
  const lines: string[] = [...itemFunction('runTimedItem', stages, sources, byValue, true), ...itemFunction('runUntimedItem', stages, sources, byValue, false), ...pushedLoop(stages, sources, byValue)];
  lines.push('function runItem(row) {', '  const n = C.items++;', `  return n < ${TIMED_FIRST} || n % ${TIMED_EVERY} === 0 ? runTimedItem(row) : runUntimedItem(row);`, '}');
  lines.push('return { item: runItem, pushed: runPushed };');
  const source = lines.join('\n');
  let factory = factories.get(source);
  if (factory === undefined) {
    factory = new Function('S', 'I', 'NONE', 'MM', 'C', source) as ChainFactory;
    factories.set(source, factory);
  }
  // The chain counts its items (C.items, once an item); each unit's items in and out follow from them and the few
  // skipped, refused or failed at it (metrics.ts countByChain): nothing is counted per unit for an item that goes
  // through. Each unit is called once per item: its calls are its items in (see observeItem).
  const count: ChainCount = { items: 0 };
  stages.forEach((stage, k) => stage.metrics.countByChain(count, k === stages.length - 1));
  const adding = byValue.filter((value) => !value).length;
  return factory(stages, stages.map((stage) => stage.instance as UnitInstance), NONE, adding > 0 ? metaMerge(adding) : noMerge, count);
}

/** The merge of a chain whose units all run by value (none adds metas): never called. */
const noMerge: MergeMeta = () => {
  throw new Error('item chain: no unit of this chain adds metas');
};

/**
 * Which units are called by value (processValue, see types.ts): one input and one output port (the output
 * connected), no metas read or added, not a condition. Their o<k> holds the output port's value itself rather than
 * their output object, and they have no a<k> (they add no metas). Several edges into the one input port are the
 * branches of a condition meeting there (see itemBody).
 */
function unitsByValue(stages: readonly UnitStage[]): boolean[] {
  return stages.map((stage) => typeof stage.instance?.processValue === 'function' && stage.node.inputs.length === 1 && stage.node.outputs.length === 1 && stage.connectedOutputs.length === 1 && !stage.isCondition && stage.node.unit?.description.ignoresMeta === true);
}

/** The code of one of a chain's two functions (`name`): an item through every unit, with clock reads or without. */
function itemFunction(name: string, stages: readonly UnitStage[], sources: readonly (readonly FusedSource[])[], byValue: readonly boolean[], timed: boolean): string[] {
  return [`async function ${name}(row) {`, ...itemBody(stages, sources, byValue, timed, (emission) => `return ${emission};`), '}'];
}

/**
 * The chain's loop over a FlowInput (node-runner.ts runFed): each item as the input node would give it
 * (`rowOf`), through the units, its emission sent on (`emit`, a promise only when a queue is full). The untimed
 * items' code is written into the loop, not called: no function call, promise and `await` of its own per item
 * (each a microtask and a suspension of this loop); the timed ones call runTimedItem.
 */
function pushedLoop(stages: readonly UnitStage[], sources: readonly (readonly FusedSource[])[], byValue: readonly boolean[]): string[] {
  const body = itemBody(stages, sources, byValue, false, (emission) => `emission = ${emission};`).map((line) => `      ${line}`);
  // The flow's stop is read as a flag of the loop's own, set by the signal's abort event (dispatched as it aborts):
  // `signal.aborted` is a getter of Node's that checks its receiver, a call for every item. The loop is an async
  // arrow of no parameters (runPushedLoop, the name the flow bench's code_sizes part looks for): what it shares with
  // runPushed (its arguments, the flag) lives in their closure, not among the variables saved at each of its awaits
  // (see itemBody).
  return [
    'function runPushed(feed, signal, rowOf, emit, next) {',
    '  let stopped = signal.aborted;',
    '  const stop = () => { stopped = true; };',
    "  signal.addEventListener('abort', stop, { once: true });",
    '  const runPushedLoop = async () => {',
    '    try {',
    '      for (;;) {',
    '        const value = feed.poll() ?? (await next(feed, signal));',
    '        if (value === undefined || stopped) return;',
    '        const row = rowOf(value);',
    '        const n = C.items++;',
    '        let emission;',
    `        if (n < ${TIMED_FIRST} || n % ${TIMED_EVERY} === 0) emission = await runTimedItem(row);`,
    '        else {',
    ...body.map((line) => `    ${line}`),
    '        }',
    '        const waiting = emit(emission);',
    '        if (waiting !== undefined) await waiting;',
    '      }',
    '    } finally {',
    "      signal.removeEventListener('abort', stop);",
    '    }',
    '  };',
    '  return runPushedLoop();',
    '}',
  ];
}

/** The statements that take `row` through the chain's units and end with `finish` of its emission. */
function itemBody(stages: readonly UnitStage[], sources: readonly (readonly FusedSource[])[], byValue: readonly boolean[], timed: boolean, finish: (emission: string) => string): string[] {
  const last = stages.length - 1;
  // The item's meta: `base`, a merged object, and a<k>: what unit k added since (undefined: nothing, or it did not
  // run; units by value have none). Merged only where a unit reads metas (a unit that declares ignoresMeta gets
  // `base`), where an item is reported, and at the end: once per item rather than once per unit that adds to it.
  const pending = (upTo: number): string[] => stages.slice(0, upTo).flatMap((_, j) => (byValue[j] ? [] : [`a${j}`]));
  const merged = (upTo: number): string => {
    const adds = pending(upTo);
    if (adds.length === 0) return 'base';
    // Object.assign skips the undefined ones, and written out in place it is several times faster than a spread of
    // metas whose shapes vary (see tokens.ts mergeMeta).
    return `(${adds.map((a) => `${a} === undefined`).join(' && ')} ? base : (base = Object.assign({}, base, ${adds.join(', ')}), ${adds.join(' = ')} = undefined, base))`;
  };
  /** The value stage s sent on its port `port` (stage s sent something: o<s> is not undefined). */
  const sent = (s: number, port: string): string => (byValue[s] ? `o${s}` : `o${s}.ports[${literal(port)}]`);
  const lines: string[] = ['  const id = row.id;', '  let base = row.meta;'];
  if (timed) lines.push('  let t0 = performance.now();');
  // o<k>: stage k's output (undefined: it sent nothing: skipped, dropped, or a branch not taken). A unit's input is
  // written as two flat literals, not one nested: code V8 has not optimized (the timed function, which runs for few
  // items) makes a nested literal through its runtime, several times slower.
  //
  // Why o<k> and a<k> are declared where stage k begins, and a unit's `error` and a two-step unit's `rejected` are
  // set after its call on every path rather than before it: at an `await`, V8 saves every variable that is live there
  // into the async function's state (and, the state being long-lived, each store of an object goes through the
  // garbage collector's write barrier). A variable set before the await and read after it is live there; one
  // declared or set after it is not. So at a unit's await only what the item still needs is saved: its id and meta,
  // and the outputs and metas of the units before.
  stages.forEach((stage, k) => {
    const meta = stage.node.unit?.description.ignoresMeta === true ? 'base' : merged(k);
    // The name in a line comment, without the characters that would end the line (and let the rest be code).
    lines.push(`  // ${k}: node ${stage.node.name.replace(/[\r\n\u2028\u2029]/g, ' ')}`);
    lines.push(byValue[k] ? `  let o${k};` : `  let o${k}, a${k};`);
    lines.push('  {');
    // The stage's input (a UnitInput), or a skip, or an error.
    if (k === 0) {
      if (byValue[0]) lines.push(`    const v = row.ports[${literal((stage.node.inputs[0] as { name: string }).name)}];`, '    {');
      else lines.push('    const input = row;', '    {');
    } else {
      const into = sources[k] ?? [];
      if (into.length === 0) throw new Error(`fused node: unit ${stage.node.name} has no edge from the units before it`);
      for (const s of into) if (!(s.stage < k)) throw new Error(`fused node: unit ${stage.node.name} is fed by a later unit`);
      if (into.length === 1) {
        const s = into[0] as FusedSource;
        lines.push(`    const v = o${s.stage} === undefined ? undefined : ${sent(s.stage, s.fromPort)};`);
        lines.push(`    if (v === undefined) S[${k}].metrics.chainSkipped++;`);
        lines.push(`    else {`);
        if (!byValue[k]) lines.push(`      const ports = { ${literalKey(s.toPort)}: v };`, `      const input = { ports, meta: ${meta} };`);
      } else {
        // Where branches meet: per input port, the values its edges bring (a port given two is an error; a port
        // given none makes the item a skip here).
        const ports = stage.node.inputs.map((p) => p.name);
        lines.push(`    let problem;`, `    let missing = false;`);
        ports.forEach((port, p) => {
          lines.push(`    let p${p}; let n${p} = 0;`);
          for (const s of into.filter((edge) => edge.toPort === port)) {
            const value = sent(s.stage, s.fromPort);
            lines.push(`    if (o${s.stage} !== undefined && ${value} !== undefined) { p${p} = ${value}; n${p}++; }`);
          }
          lines.push(`    if (n${p} > 1) problem ??= ${literal(`input port ${port} got `)} + n${p} + ${literal(' values for one item (its edges are not branches of one condition)')};`);
          lines.push(`    if (n${p} === 0) missing = true;`);
        });
        lines.push(`    if (problem !== undefined) { S[${k}].metrics.chainRefused++; S[${k}].failed(id, ${merged(k)}, new Error(problem)); }`);
        lines.push(`    else if (missing) S[${k}].metrics.chainSkipped++;`);
        if (byValue[k]) lines.push(`    else {`, `      const v = p0;`);
        else lines.push(`    else {`, `      const ports = { ${ports.map((port, p) => `${literalKey(port)}: p${p}`).join(', ')} };`, `      const input = { ports, meta: ${meta} };`);
      }
    }
    // The call: a promise is awaited; a throw, a rejection or a wrong answer drops the item (counted, reported).
    lines.push(`      let out, error;`);
    // A unit with processOne() is given the item itself and answers with its output; otherwise a batch of one. An
    // answer with a `then` is awaited (a promise, or any thenable, as `await` takes them): one load on the answer's
    // shape, where `instanceof Promise` walks its prototypes.
    // A unit that starts work and finishes it (start, finish and fail, see types.ts): its work's promise awaited here;
    // on a rejection, fail() throws (the item is dropped) or answers. Its answer is one output, as processOne()'s.
    const twoSteps = !byValue[k] && typeof stage.instance?.start === 'function' && typeof stage.instance.finish === 'function' && typeof stage.instance.fail === 'function';
    const single = twoSteps || typeof stage.instance?.processOne === 'function';
    if (twoSteps) {
      lines.push(`      try {`, `        const started = I[${k}].start(input);`, `        let result, rejected;`, `        try {`, `          result = await started.work;`, `          rejected = false;`, `        } catch (thrown) {`, `          result = thrown;`, `          rejected = true;`, `        }`, `        out = rejected ? I[${k}].fail(started, result) : I[${k}].finish(started, result);`, `        error = NONE;`, `      } catch (thrown) {`, `        error = thrown;`, `        out = undefined;`, `      }`);
    } else {
      lines.push(`      try {`, byValue[k] ? `        out = I[${k}].processValue(v);` : single ? `        out = I[${k}].processOne(input);` : `        out = I[${k}].process([input]);`, `        if (typeof out === 'object' && out !== null && typeof out.then === 'function') out = await out;`, `        error = NONE;`, `      } catch (thrown) {`, `        error = thrown;`, `        out = undefined;`, `      }`);
    }
    if (timed) lines.push(`      const t1 = performance.now();`, `      S[${k}].metrics.observeItem((t1 - t0) / 1000);`, `      t0 = t1;`);
    lines.push(`      if (error === NONE) {`);
    if (byValue[k]) {
      // A value given by value: only that there is one to check (its output port is the one the edge after reads).
      lines.push(`        if (out === undefined) error = new Error(S[${k}].outputProblem({ ports: {} }));`, `        else o${k} = out;`, `      }`);
      lines.push(`      if (error !== NONE) { S[${k}].metrics.chainFailed++; S[${k}].failed(id, ${merged(k)}, error); }`);
      lines.push(`    }`, '  }');
      return;
    }
    if (single) lines.push(`        const one = typeof out === 'object' ? out : null;`);
    else lines.push(`        const one = Array.isArray(out) && out.length === 1 ? out[0] : undefined;`, `        if (one === undefined) error = S[${k}].countProblem(out, 1);`);
    // What every connected output (a condition: exactly one of its outputs) must have.
    const check = stage.isCondition
      ? `(${stage.node.outputs.map((p) => `(one.ports[${literal(p.name)}] !== undefined ? 1 : 0)`).join(' + ')}) !== 1`
      : stage.connectedOutputs.length > 0
        ? stage.connectedOutputs.map((p) => `one.ports[${literal(p)}] === undefined`).join(' || ')
        : 'false';
    lines.push(`        ${single ? '' : 'else '}if (one === null || typeof one.ports !== 'object' || one.ports === null || ${check}) error = new Error(S[${k}].outputProblem(one));`);
    lines.push(`        else {`, `          o${k} = one;`, `          if (one.meta) a${k} = one.meta;`);
    lines.push(`        }`, `      }`);
    lines.push(`      if (error !== NONE) { S[${k}].metrics.chainFailed++; S[${k}].failed(id, ${merged(k)}, error); }`);
    lines.push(`    }`);
    lines.push('  }');
  });
  // The last unit's answer: data, or a skip (the emission a fused node's last stage gives; the node counts it out).
  // The item's meta as it leaves: merged by meta-merge.ts (a function written for the keys), not Object.assign.
  const adds = pending(stages.length);
  lines.push(adds.length === 0 ? '  const meta = base;' : `  const meta = ${adds.map((a) => `${a} === undefined`).join(' && ')} ? base : MM(base, ${adds.join(', ')});`);
  const lastPorts = byValue[last] ? `{ ${literalKey((stages[last]?.node.outputs[0] as { name: string }).name)}: o${last} }` : `o${last}.ports`;
  lines.push(`  ${finish(`o${last} === undefined ? { kind: 'skip', id, meta } : { kind: 'data', id, meta, ports: ${lastPorts} }`)}`);
  return lines;
}
