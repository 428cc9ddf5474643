/**
 * `npm run bench -- flow --parts instructions`: the machine instructions and the instruction-cache misses an image
 * costs on each side of the joint inference edge pipeline, counted by callgrind (valgrind's simulator of the CPU and
 * its caches), not timed: the same code gives about the same counts run after run, where the timings move by more
 * than a microsecond an image from one process to the next (the flow README). A change of a few hundred
 * instructions, too small to time, shows.
 *
 * Each side runs in a process of its own (instructions-side.ts) under callgrind with its instrumentation off while
 * it starts and warms up; the bench turns it on (callgrind_control) for the measured rounds only, on the main
 * thread (where JavaScript, ONNX Runtime and the HTTP stack run; V8's helper threads are counted apart and left
 * out). The caches simulated: a first-level instruction cache of 64 KB, data cache of 48 KB and, as the "last
 * level", 2 MB: this machine's first and second levels. Functions V8 compiled are named from the map Node writes
 * with --perf-basic-prof. Figures per image:
 * - instructions_{graph,loop}, i1_misses_{graph,loop}: all of the main thread's;
 * - flow_instructions, flow_i1_misses: the graph side's flow runtime and units (packages/lib/src/flow, and the
 *   functions it writes with new Function), which the loop does not run;
 * - per kind of code (instructions and misses, `by_kind`): the flow runtime, the rest of the lib, the bench's own
 *   code (the loop, the graph's sink), Node's JavaScript, V8's builtins, the rest of V8 (its runtime, garbage
 *   collector, regular expressions), ONNX Runtime, the rest.
 * Needs valgrind (Debian's valgrind package). About two minutes: each side some 50 times slower than natively.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface InstructionsSettings {
  readonly models: string;
  readonly threshold: number;
  /** Images a round; measured rounds; warm-up rounds (not counted). */
  readonly images: number;
  readonly rounds: number;
  readonly warmup: number;
  readonly log: (line: string) => void;
}

type Side = 'graph' | 'loop';

/** The kinds of code an image's instructions are told apart by (see kindOf). */
const KINDS = ['flow', 'lib', 'bench', 'node', 'builtins', 'v8', 'onnxruntime', 'other'] as const;
type Kind = (typeof KINDS)[number];

interface Counts {
  instructions: number;
  i1Misses: number;
}

export async function instructionsPart(settings: InstructionsSettings): Promise<Record<string, unknown>> {
  for (const tool of ['valgrind', 'callgrind_control', 'callgrind_annotate']) {
    if (spawnSync(tool, ['--help'], { stdio: 'ignore' }).error) throw new Error(`--parts instructions needs ${tool} (apt-get install valgrind)`);
  }
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
  const work = mkdtempSync(path.join(tmpdir(), 'sedna-flow-instructions-'));
  try {
    settings.log(`instructions: each side under callgrind, ${settings.warmup} rounds of ${settings.images} images to warm up, ${settings.rounds} counted (about two minutes)`);
    // The two sides at once, one a core: each is counted, not timed, so they do not disturb each other's figures.
    const [graph, loop] = await Promise.all([countSide('graph', root, work, settings), countSide('loop', root, work, settings)]);
    const per = (counts: Counts, images: number): Counts => ({ instructions: Math.round(counts.instructions / images), i1Misses: Math.round((counts.i1Misses / images) * 10) / 10 });
    const images = settings.images * settings.rounds;
    const figures: Record<string, unknown> = {};
    const byKind: Record<string, unknown> = {};
    for (const [side, counted] of [['graph', graph], ['loop', loop]] as const) {
      const total = per(counted.total, images);
      figures[`instructions_${side}`] = total.instructions;
      figures[`i1_misses_${side}`] = total.i1Misses;
      byKind[side] = Object.fromEntries(KINDS.map((kind) => [kind, per(counted.kinds[kind], images)]));
    }
    const flow = per(graph.kinds.flow, images);
    figures.flow_instructions = flow.instructions;
    figures.flow_i1_misses = flow.i1Misses;
    figures.by_kind = byKind;
    settings.log(`  an image: graph ${String(figures.instructions_graph)} instructions, ${String(figures.i1_misses_graph)} instruction-cache misses; loop ${String(figures.instructions_loop)}, ${String(figures.i1_misses_loop)}; the flow runtime and units ${flow.instructions} and ${flow.i1Misses}`);
    for (const kind of KINDS) {
      const g = (byKind.graph as Record<Kind, Counts>)[kind];
      const l = (byKind.loop as Record<Kind, Counts>)[kind];
      settings.log(`    ${kind.padEnd(12)} graph ${String(g.instructions).padStart(7)} (${g.i1Misses.toFixed(1).padStart(6)} misses)  loop ${String(l.instructions).padStart(7)} (${l.i1Misses.toFixed(1).padStart(6)} misses)`);
    }
    return figures;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** One side under callgrind, its measured rounds counted: the main thread's totals, and per kind of code. */
async function countSide(side: Side, root: string, work: string, settings: InstructionsSettings): Promise<{ total: Counts; kinds: Record<Kind, Counts> }> {
  const sync = path.join(work, side);
  mkdirSync(sync, { recursive: true });
  const out = path.join(work, `${side}.callgrind`);
  const args = [
    '--tool=callgrind',
    '--instr-atstart=no',
    '--separate-threads=yes',
    '--cache-sim=yes',
    '--I1=65536,8,64',
    '--D1=49152,12,64',
    '--LL=2097152,16,64',
    `--callgrind-out-file=${out}`,
    process.execPath,
    '--perf-basic-prof',
    '--conditions=source',
    '--import',
    'tsx',
    path.join(root, 'bench/flow/instructions-side.ts'),
    '--side',
    side,
    '--sync',
    sync,
    '--images',
    String(settings.images),
    '--warmup',
    String(settings.warmup),
    '--rounds',
    String(settings.rounds),
    '--models',
    settings.models,
    '--threshold',
    String(settings.threshold),
  ];
  const child = spawn('valgrind', args, { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => void (stderr = (stderr + chunk.toString()).slice(-4000)));
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  const file = (name: string): string => path.join(sync, name);
  const waitFor = async (name: string): Promise<void> => {
    for (;;) {
      if (existsSync(file(name))) return;
      if (child.exitCode !== null) throw new Error(`instructions: the ${side} side exited ${child.exitCode} before writing ${name}: ${stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  };
  await waitFor('ready');
  const pid = readFileSync(file('ready'), 'utf8').trim();
  control(pid, 'on');
  writeFileSync(file('go'), '');
  await waitFor('done');
  control(pid, 'off');
  writeFileSync(file('off'), '');
  const code = await exited;
  if (code !== 0) throw new Error(`instructions: the ${side} side exited ${code}: ${stderr}`);
  const map = `/tmp/perf-${pid}.map`;
  try {
    // The main thread's counts (callgrind writes one file per thread: <out>-01 is the first, the main one).
    return tally(`${out}-01`, existsSync(map) ? readFileSync(map, 'utf8') : '');
  } finally {
    rmSync(map, { force: true });
  }
}

/** Turns callgrind's instrumentation of the process on or off (callgrind_control waits until it has taken it). */
function control(pid: string, state: 'on' | 'off'): void {
  const done = spawnSync('callgrind_control', ['-i', state, pid], { encoding: 'utf8' });
  if (done.status !== 0) throw new Error(`callgrind_control -i ${state} ${pid}: ${done.stderr || done.stdout}`);
}

/** A function V8 compiled: where its code was, and its name (`JS:*name file:line:column`). */
interface Compiled {
  readonly start: number;
  readonly end: number;
  readonly name: string;
}

/** The totals and the counts per kind of code of a callgrind file, V8's compiled code named from Node's perf map. */
function tally(file: string, perfMap: string): { total: Counts; kinds: Record<Kind, Counts> } {
  // The map lists code in the order V8 made it, and V8 reuses the space of code it dropped: the last entry that
  // holds an address names it.
  const compiled: Compiled[] = [];
  for (const line of perfMap.split('\n')) {
    const m = /^([0-9a-f]+) ([0-9a-f]+) (.*)$/.exec(line);
    if (m) compiled.push({ start: parseInt(m[1] as string, 16), end: parseInt(m[1] as string, 16) + parseInt(m[2] as string, 16), name: m[3] as string });
  }
  const nameAt = (address: number): string | undefined => {
    for (let k = compiled.length - 1; k >= 0; k--) {
      const c = compiled[k] as Compiled;
      if (c.start <= address && address < c.end) return c.name;
    }
    return undefined;
  };
  const annotated = spawnSync('callgrind_annotate', ['--threshold=100', file], { encoding: 'utf8', maxBuffer: 256 * 2 ** 20 });
  if (annotated.status !== 0) throw new Error(`callgrind_annotate ${file}: ${annotated.stderr}`);
  const kinds = Object.fromEntries(KINDS.map((kind) => [kind, { instructions: 0, i1Misses: 0 }])) as Record<Kind, Counts>;
  const total: Counts = { instructions: 0, i1Misses: 0 };
  let events: string[] = [];
  let listing = false;
  for (const line of annotated.stdout.split('\n')) {
    if (line.startsWith('Events shown:')) events = line.slice('Events shown:'.length).trim().split(/\s+/);
    if (line.includes('file:function')) {
      listing = true;
      continue;
    }
    if (!listing) continue;
    // "  1,234 ( 0.5%)  56 ( 0.1%) ...  ???:0x000000000d172980 [???]": the events' counts, then the function.
    const cells = line.replace(/\([^)]*\)/g, ' ').trim().split(/\s+/);
    if (cells.length <= events.length || !/^[\d,.]+$/.test(cells[0] as string)) continue;
    const count = (event: string): number => {
      const cell = cells[events.indexOf(event)];
      return cell === undefined || cell === '.' ? 0 : Number(cell.replace(/,/g, ''));
    };
    const where = cells.slice(events.length).join(' ');
    const jit = /^\?\?\?:0x([0-9a-f]+)(?:'\d+)? \[\?\?\?\]$/.exec(where);
    const kind = kindOf(jit ? nameAt(parseInt(jit[1] as string, 16)) : undefined, where);
    const ir = count('Ir');
    const i1 = count('I1mr');
    kinds[kind].instructions += ir;
    kinds[kind].i1Misses += i1;
    total.instructions += ir;
    total.i1Misses += i1;
  }
  if (total.instructions === 0) throw new Error(`instructions: nothing counted in ${file} (was the instrumentation turned on?)`);
  return { total, kinds };
}

/** The kind of code of a function: `compiled` is V8's name for it (undefined: not V8's compiled code). */
function kindOf(compiled: string | undefined, where: string): Kind {
  if (compiled !== undefined) {
    // Code V8 made that is not a JavaScript function's (regular expressions, stubs).
    if (!compiled.startsWith('JS:')) return 'v8';
    if (compiled.includes('/packages/lib/src/flow/')) return 'flow';
    if (compiled.includes('/packages/lib/src/') || compiled.includes('/packages/')) return 'lib';
    if (compiled.includes('/bench/')) return 'bench';
    if (compiled.includes(' node:')) return 'node';
    // No file: a function written with new Function, which only the flow runtime does on these sides (a compiled
    // chain, its meta merges, its ports objects).
    if (!compiled.includes('file://') && !compiled.includes('/')) return 'flow';
    return 'other';
  }
  if (where.includes('Builtins_')) return 'builtins';
  if (where.includes('libonnxruntime')) return 'onnxruntime';
  if (where.includes('v8::') || where.includes('heap::')) return 'v8';
  return 'other';
}
