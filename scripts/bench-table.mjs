#!/usr/bin/env node
// Writes the README's benchmark table from what was run: the last recorded run of each benchmark in
// bench/results/<name>.jsonl (appended by `npm run bench`), its headline figures as bench/headlines.json lists
// them (each from the last run that measured it), with the date, the machine and the thread counts. A figure recorded as <name>_median/<name>_iqr shows both;
// against a target (atLeast, below, atMost) it reads "met", "missed", or "spread crosses target" when the target lies within the median
// plus or minus half the interquartile range. `--check` fails if the README differs from what would be written.
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const BEGIN = '<!-- bench-table:begin (written by npm run bench:table from bench/results) -->';
const END = '<!-- bench-table:end -->';

const headlines = JSON.parse(readFileSync(join(root, 'bench', 'headlines.json'), 'utf8'));
const resultsDir = join(root, 'bench', 'results');

function runs(bench) {
  const file = join(resultsDir, `${bench}.jsonl`);
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((line) => JSON.parse(line));
}

/** The last run that measured a figure (a benchmark's modes, like controlplane --metrics-cost, measure different ones). */
function lastRunWith(all, figure) {
  for (let k = all.length - 1; k >= 0; k--) {
    const f = all[k].figures;
    if (f[`${figure}_median`] !== undefined || f[figure] !== undefined) return all[k];
  }
  return undefined;
}

const fmt = (v) => (typeof v !== 'number' ? String(v) : Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(2) : v === 0 ? '0' : v.toPrecision(2));

function verdict(median, iqr, target) {
  if (!target) return '';
  const ok = (v) => (target.atLeast === undefined || v >= target.atLeast) && (target.below === undefined || v < target.below) && (target.atMost === undefined || v <= target.atMost);
  const bound = target.atLeast ?? target.below ?? target.atMost;
  const sign = target.atLeast !== undefined ? '>=' : target.below !== undefined ? '<' : '<=';
  // null: the run could not give the figure (e.g. too few reports acknowledged for a p99): a miss, not a pass.
  if (median === null) return `${sign} ${bound}: missed (not reached)`;
  const crosses = iqr !== undefined && iqr !== null && Math.abs(median - bound) < iqr / 2;
  const word = crosses ? 'spread crosses target' : ok(median) ? 'met' : 'missed';
  return `${sign} ${bound}: ${word}`;
}

function runNote(run) {
  const load = run.machine.load_1m_start === undefined ? '' : `, load ${run.machine.load_1m_start.toFixed(1)}-${run.machine.load_1m_end.toFixed(1)}`;
  return `${run.date.slice(0, 10)}, ${run.machine.cores} cores${load}${run.args.length ? `, \`${run.args.join(' ')}\`` : ''}`;
}

function table() {
  const rows = ['| benchmark | figure | median (IQR) | target | run |', '|---|---|---|---|---|'];
  const benches = new Set([...Object.keys(headlines), ...(existsSync(resultsDir) ? readdirSync(resultsDir).filter((f) => f.endsWith('.jsonl')).map((f) => f.slice(0, -6)) : [])]);
  for (const bench of [...benches].sort()) {
    const all = runs(bench);
    for (const h of headlines[bench] ?? []) {
      const run = lastRunWith(all, h.figure);
      if (!run) continue;
      const f = run.figures;
      const median = f[`${h.figure}_median`] !== undefined ? f[`${h.figure}_median`] : f[h.figure];
      const iqr = f[`${h.figure}_iqr`];
      const threads = h.threads && f[h.threads] !== undefined ? `, ${f[h.threads]} threads` : '';
      const shown = median === null ? 'n/a' : fmt(median);
      rows.push(`| \`${bench}\` | ${h.label}${threads} | ${shown}${iqr !== undefined && iqr !== null ? ` (${fmt(iqr)})` : ''} | ${verdict(median, iqr, h.target)} | ${runNote(run)} |`);
    }
  }
  return rows.join('\n');
}

const readmePath = join(root, 'README.md');
const readme = readFileSync(readmePath, 'utf8');
const start = readme.indexOf(BEGIN);
const end = readme.indexOf(END);
if (start < 0 || end < start) {
  console.error(`README.md has no ${BEGIN} ... ${END} section`);
  process.exit(2);
}
const next = `${readme.slice(0, start + BEGIN.length)}\n${table()}\n${readme.slice(end)}`;
if (process.argv.includes('--check')) {
  if (next !== readme) {
    console.error('the README benchmark table is stale: run npm run bench:table');
    process.exit(1);
  }
  console.log('the README benchmark table matches bench/results');
} else {
  writeFileSync(readmePath, next);
  console.log('README.md benchmark table written from bench/results');
}
