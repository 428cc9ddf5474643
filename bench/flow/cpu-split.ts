/**
 * `npm run bench -- flow --parts cpu_split`: where the graph's extra CPU goes. The joint inference edge pipeline's
 * two sides (the graph, the hand-written loop) run in interleaved rounds in a process of their own (cpu-side.ts)
 * under `perf record` (Debian's linux-perf), which samples the CPU time of every thread of the process; each sample
 * goes to the side whose round it fell in (by time), and JavaScript functions are named through Node's
 * --perf-basic-prof. The samples are summed into parts (the scheduler's code, the units' code, the lib's, Node's, V8's
 * builtins and runtime, ONNX Runtime, the kernel, the C library, the rest) and given as CPU microseconds per image
 * for each side, with the difference, and the functions the graph spends most more CPU in. `--split-runs` processes
 * (default 2), summed.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { round as r2 } from '../common/stats.js';

/** perf's sampling rate (Hz): a sample is 1/FREQUENCY s of CPU time. */
const FREQUENCY = 1999;

/** The parts a sample is put in, by the DSO and the symbol perf gives (first match). */
const PARTS: readonly { readonly name: string; readonly test: (dso: string, symbol: string) => boolean }[] = [
  { name: 'flow_runtime_js', test: (dso, sym) => dso.startsWith('[JIT]') && sym.includes('/flow/runtime/') },
  { name: 'flow_units_js', test: (dso, sym) => dso.startsWith('[JIT]') && sym.includes('/flow/units/') },
  { name: 'lib_js', test: (dso, sym) => dso.startsWith('[JIT]') && sym.includes('/packages/lib/src/') },
  { name: 'node_js', test: (dso, sym) => dso.startsWith('[JIT]') && / node:/.test(sym) },
  { name: 'other_js', test: (dso) => dso.startsWith('[JIT]') },
  { name: 'v8_node_native', test: (dso) => dso === 'node' },
  { name: 'onnxruntime_native', test: (dso) => dso.startsWith('libonnxruntime') || dso.startsWith('onnxruntime_binding') },
  { name: 'kernel', test: (dso) => dso === '[kernel.kallsyms]' },
  { name: 'libc', test: (dso) => dso.startsWith('libc.') },
  { name: 'other_native', test: () => true },
];

type Side = 'graph' | 'loop';

interface SideProfile {
  images: number;
  /** Samples per part. */
  parts: Map<string, number>;
  /** Samples per function (JIT addresses dropped), for the log. */
  symbols: Map<string, number>;
  /** CPU microseconds (process.cpuUsage) summed over the images. */
  cpuMicros: number;
}

function run(command: string, args: readonly string[], cwd: string): string {
  const done = spawnSync(command, args, { cwd, encoding: 'utf8', maxBuffer: 512 * 2 ** 20 });
  if (done.error) throw done.error;
  if (done.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${done.status}: ${done.stderr.slice(-2000)}`);
  return done.stdout;
}

/** The part of a sample, by its DSO's file and its symbol. */
function partOf(dsoPath: string, symbol: string): string {
  const file = path.basename(dsoPath);
  const dso = /^perf-\d+\.map$/.test(file) ? '[JIT]' : file;
  return (PARTS.find((p) => p.test(dso, symbol)) as (typeof PARTS)[number]).name;
}

/** One process of interleaved rounds under perf record; the samples of each side by part and function. */
function profileRun(settings: CpuSplitSettings, work: string, root: string, into: Record<Side, SideProfile>): void {
  const data = path.join(work, 'run.perf');
  const args = ['record', '-k', 'CLOCK_MONOTONIC', '-F', String(FREQUENCY), '-o', data, '--', process.execPath, '--perf-basic-prof', '--conditions=source', '--import', 'tsx', path.join(root, 'bench/flow/cpu-side.ts'), '--rounds', String(settings.rounds), '--images', String(settings.images), '--models', settings.models, '--threshold', String(settings.threshold)];
  const done = spawnSync('perf', args, { cwd: root, encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
  if (done.status !== 0) throw new Error(`perf record exited ${done.status}: ${done.stderr.slice(-2000)}`);
  const result = JSON.parse(done.stdout.trim().split('\n').at(-1) as string) as { pid: number; images_per_round: number; rounds: number; windows: { side: Side; start: number; end: number }[]; cpu_us_per_item: Record<Side, number> };
  // "  12345.678901:  7f12 JS:*affine file:///...:1:2218 (/tmp/perf-123.map)"
  const script = run('perf', ['script', '-i', data, '-F', 'time,ip,sym,dso'], root);
  // The JIT map --perf-basic-prof wrote has been read: it is no longer needed.
  rmSync(`/tmp/perf-${result.pid}.map`, { force: true });
  const windows = [...result.windows].sort((a, b) => a.start - b.start);
  for (const line of script.split('\n')) {
    const m = /^\s*(\d+\.\d+):\s+[0-9a-f]+\s+(.*)\s+\(([^()]*)\)\s*$/.exec(line);
    if (!m) continue;
    const time = Number(m[1]);
    const window = windows.find((w) => time >= w.start && time <= w.end);
    if (!window) continue;
    const symbol = (m[2] as string).replace(/\+0x[0-9a-f]+$/, '').trim();
    const side = into[window.side];
    const part = partOf(m[3] as string, symbol);
    side.parts.set(part, (side.parts.get(part) ?? 0) + 1);
    const key = `${part}: ${symbol}`;
    side.symbols.set(key, (side.symbols.get(key) ?? 0) + 1);
  }
  for (const side of ['graph', 'loop'] as const) {
    const images = result.rounds * result.images_per_round;
    into[side].images += images;
    into[side].cpuMicros += result.cpu_us_per_item[side] * images;
  }
}

export interface CpuSplitSettings {
  readonly rounds: number;
  readonly images: number;
  readonly models: string;
  readonly threshold: number;
  /** How many of the functions the graph spends most more CPU in are logged. */
  readonly top: number;
  /** Processes profiled, summed. */
  readonly runs: number;
  readonly log: (line: string) => void;
}

export function cpuSplitPart(settings: CpuSplitSettings): Record<string, unknown> {
  if (spawnSync('perf', ['--version']).status !== 0) throw new Error('--parts cpu_split needs perf (apt-get install linux-perf)');
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
  const work = mkdtempSync(path.join(tmpdir(), 'sedna-flow-cpu-split-'));
  const sum: Record<Side, SideProfile> = {
    graph: { images: 0, parts: new Map(), symbols: new Map(), cpuMicros: 0 },
    loop: { images: 0, parts: new Map(), symbols: new Map(), cpuMicros: 0 },
  };
  settings.log(`CPU split: the graph and the loop in ${settings.rounds} interleaved rounds of ${settings.images} images under perf record, ${settings.runs} processes`);
  try {
    for (let k = 0; k < settings.runs; k++) profileRun(settings, work, root, sum);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  const micros = (side: Side, samples: number): number => (samples / FREQUENCY / sum[side].images) * 1e6;
  const figures: Record<string, unknown> = {};
  let graphTotal = 0;
  let loopTotal = 0;
  for (const { name } of PARTS) {
    const g = micros('graph', sum.graph.parts.get(name) ?? 0);
    const l = micros('loop', sum.loop.parts.get(name) ?? 0);
    graphTotal += g;
    loopTotal += l;
    figures[`cpu_split_${name}_graph_us`] = r2(g, 1);
    figures[`cpu_split_${name}_loop_us`] = r2(l, 1);
    settings.log(`  ${name.padEnd(20)} graph ${g.toFixed(1).padStart(6)} us an image, loop ${l.toFixed(1).padStart(6)}, extra ${(g - l).toFixed(1).padStart(6)}`);
  }
  settings.log(`  ${'sampled'.padEnd(20)} graph ${graphTotal.toFixed(1).padStart(6)} us an image, loop ${loopTotal.toFixed(1).padStart(6)}, extra ${(graphTotal - loopTotal).toFixed(1).padStart(6)} (process.cpuUsage: graph ${(sum.graph.cpuMicros / sum.graph.images).toFixed(1)}, loop ${(sum.loop.cpuMicros / sum.loop.images).toFixed(1)})`);
  const symbols = new Set([...sum.graph.symbols.keys(), ...sum.loop.symbols.keys()]);
  const extra = [...symbols].map((s) => ({ s, d: micros('graph', sum.graph.symbols.get(s) ?? 0) - micros('loop', sum.loop.symbols.get(s) ?? 0) })).sort((a, b) => b.d - a.d);
  settings.log('  the functions the graph spends most more CPU in (us an image):');
  for (const { s, d } of extra.slice(0, settings.top)) settings.log(`    ${d.toFixed(2).padStart(6)}  ${s.slice(0, 150)}`);
  return { ...figures, cpu_split_graph_us: r2(graphTotal, 1), cpu_split_loop_us: r2(loopTotal, 1), cpu_split_runs: settings.runs };
}
