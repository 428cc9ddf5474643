/**
 * `npm run bench -- flow --parts code_sizes`: how much machine code V8 made for the functions an image goes through
 * on each side. The two sides run in interleaved rounds in a process of their own (cpu-side.ts) with Node's
 * --perf-basic-prof, which writes every compiled function's address, size and name to /tmp/perf-<pid>.map; the
 * optimized (TurboFan) code of the functions below is summed by name (the largest version of each: a function may
 * have a version compiled for a loop it was already in). The compiled chain's functions have no file: they are made
 * with new Function (runtime/item-chain.ts).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The functions reported, by the name V8 gives them (its map's `JS:*name place`). */
const FUNCTIONS: readonly { readonly figure: string; readonly required: boolean; readonly test: (name: string, place: string) => boolean }[] = [
  // The chain's own loop over its FlowInput, with the untimed items' code written in (item-chain.ts pushedLoop).
  { figure: 'chain_pushed', required: true, test: (name) => name === 'runPushedLoop' },
  { figure: 'chain_timed', required: false, test: (name) => name === 'runTimedItem' },
  { figure: 'loop', required: true, test: (name, place) => name === 'run' && place.includes('bench/flow/ji-pipeline.ts') },
];

export interface CodeSizesSettings {
  readonly images: number;
  readonly models: string;
  readonly threshold: number;
  readonly log: (line: string) => void;
}

export function codeSizesPart(settings: CodeSizesSettings): Record<string, unknown> {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
  const args = ['--perf-basic-prof', '--conditions=source', '--import', 'tsx', path.join(root, 'bench/flow/cpu-side.ts'), '--rounds', '4', '--warmup', '5', '--images', String(settings.images), '--models', settings.models, '--threshold', String(settings.threshold)];
  const done = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
  if (done.status !== 0) throw new Error(`cpu-side.ts exited ${done.status}: ${done.stderr.slice(-2000)}`);
  const { pid } = JSON.parse(done.stdout.trim().split('\n').at(-1) as string) as { pid: number };
  const mapFile = `/tmp/perf-${pid}.map`;
  let map: string;
  try {
    map = readFileSync(mapFile, 'utf8');
  } finally {
    rmSync(mapFile, { force: true });
  }
  const bytes = new Map<string, number>();
  // "7f12a0 1a40 JS:*runItem :4:30"
  for (const line of map.split('\n')) {
    const m = /^[0-9a-f]+ ([0-9a-f]+) JS:\*(\S*) ?(.*)$/.exec(line);
    if (!m) continue;
    const size = parseInt(m[1] as string, 16);
    const fn = FUNCTIONS.find((f) => f.test(m[2] as string, m[3] as string));
    if (fn) bytes.set(fn.figure, Math.max(bytes.get(fn.figure) ?? 0, size));
  }
  const figures: Record<string, unknown> = {};
  for (const { figure, required } of FUNCTIONS) {
    const size = bytes.get(figure);
    if (size === undefined && required) throw new Error(`code_sizes: V8 wrote no optimized code for ${figure} (its name or file changed?)`);
    // The timed function runs for one image in 64 after the first 256: in a short run TurboFan may not reach it.
    figures[`code_kb_${figure}`] = size === undefined ? null : Math.round(size / 102.4) / 10;
  }
  settings.log(`machine code (KB, TurboFan; null: not optimized in this run): ${FUNCTIONS.map(({ figure }) => `${figure} ${String(figures[`code_kb_${figure}`])}`).join(', ')}`);
  return figures;
}
