/**
 * Ianvs's leaderboards (core/storymanager/rank/rank.py): `<job dir>/rank/all_rank.csv` and `selected_rank.csv`.
 * all_rank columns: rank, algorithm, <metrics>, paradigm, <module types (cell: module name)>,
 * <module_type-hyperparameter>, time, url. Rows accumulate across runs (the old file's rows first, its columns
 * first), then a stable sort by `sort_by` in priority order over the metrics this run produced; rank is the row
 * number after sorting. selected_rank takes the selected columns of the sorted rows, drops rows that repeat on
 * every column but time and url, and keeps the selected paradigms.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RankConfig } from '../config/benchmarkingjob.js';
import type { HyperValue } from '../config/algorithm.js';
import type { CaseResult, CaseSpec, MetricValue } from '../cases/spec.js';
import { parseCsv, writeCsv, type Row, type Table } from './csv.js';

export interface RankedCase {
  spec: CaseSpec;
  result: CaseResult;
}

export interface RankFiles {
  allRank: string;
  selectedRank: string;
  all: Table;
  selected: Table;
}

/** Python's str() of a value, as Ianvs writes hyperparameters into the CSV. */
export function pythonStr(value: HyperValue | MetricValue): string {
  if (value === null) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : String(value);
  return JSON.stringify(value);
}

function unique<T>(items: Iterable<T>): T[] {
  return [...new Set(items)];
}

export function metricNames(cases: readonly RankedCase[]): string[] {
  return unique(cases.flatMap((c) => Object.keys(c.result.metrics)));
}

function moduleTypes(cases: readonly RankedCase[]): string[] {
  return unique(cases.flatMap((c) => c.spec.modules.map((m) => m.type)));
}

function hyperparameterColumns(cases: readonly RankedCase[]): string[] {
  return unique(cases.flatMap((c) => c.spec.modules.flatMap((m) => Object.keys(m.hyperparameters).map((h) => `${m.type}-${h}`))));
}

function caseRow(c: RankedCase): Row {
  const row: Row = { algorithm: c.spec.algorithm.name, paradigm: c.spec.algorithm.paradigm, time: c.result.time, url: c.spec.outputDir };
  for (const [k, v] of Object.entries(c.result.metrics)) row[k] = pythonStr(v);
  for (const m of c.spec.modules) {
    row[m.type] = m.name;
    for (const [h, v] of Object.entries(m.hyperparameters)) row[`${m.type}-${h}`] = pythonStr(v);
  }
  return row;
}

/** Stable sort on the sort_by metrics that this run produced; empty or non-numeric cells go last, as NaN in pandas. */
export function sortRows(rows: Row[], sortBy: RankConfig['sortBy'], present: readonly string[]): Row[] {
  const keys = sortBy.filter((k) => present.includes(k.metric));
  const value = (row: Row, metric: string): number => {
    const cell = row[metric];
    const v = cell === undefined || cell === '' ? Number.NaN : Number(cell);
    return v;
  };
  return rows
    .map((row, index) => ({ row, index }))
    .sort((a, b) => {
      for (const k of keys) {
        const va = value(a.row, k.metric);
        const vb = value(b.row, k.metric);
        const na = Number.isNaN(va);
        const nb = Number.isNaN(vb);
        if (na || nb) {
          if (na && nb) continue;
          return na ? 1 : -1;
        }
        if (va !== vb) return k.ascend ? va - vb : vb - va;
      }
      return a.index - b.index;
    })
    .map((x) => x.row);
}

function withRank(table: Table): Table {
  return { header: ['rank', ...table.header], rows: table.rows.map((r, i) => ({ rank: String(i + 1), ...r })) };
}

export function buildAll(cases: readonly RankedCase[], rank: RankConfig, existing: Table | undefined): Table {
  const header = ['algorithm', ...metricNames(cases), 'paradigm', ...moduleTypes(cases), ...hyperparameterColumns(cases), 'time', 'url'];
  let rows = cases.map(caseRow);
  let merged = header;
  if (existing && existing.header.length > 0) {
    const old = existing.header.filter((h) => h !== 'rank');
    merged = [...old, ...header.filter((h) => !old.includes(h))];
    rows = [...existing.rows.map((r) => Object.fromEntries(old.map((h) => [h, r[h] ?? '']))), ...rows];
  }
  return { header: merged, rows: sortRows(rows, rank.sortBy, metricNames(cases)) };
}

export function buildSelected(all: Table, cases: readonly RankedCase[], rank: RankConfig): Table {
  const pick = (chosen: string[], everything: string[]): string[] => (chosen.length === 1 && chosen[0] === 'all' ? everything : chosen);
  const header = [
    'algorithm',
    ...pick(rank.selected.metrics, metricNames(cases)),
    'paradigm',
    ...pick(rank.selected.modules, moduleTypes(cases)),
    ...pick(rank.selected.hyperparameters, hyperparameterColumns(cases)),
    'time',
    'url',
  ];
  const seen = new Set<string>();
  const rows: Row[] = [];
  for (const row of all.rows) {
    const key = JSON.stringify(header.slice(0, -2).map((h) => row[h] ?? ''));
    if (seen.has(key)) continue;
    seen.add(key);
    const paradigms = rank.selected.paradigms;
    if (!(paradigms.length === 1 && paradigms[0] === 'all') && !paradigms.includes(row.paradigm ?? '')) continue;
    rows.push(Object.fromEntries(header.map((h) => [h, row[h] ?? ''])));
  }
  return { header, rows };
}

/** Writes the rank files the save_mode asks for; returns both tables (ranked) for printing and plots. */
export function saveRank(jobDir: string, cases: readonly RankedCase[], rank: RankConfig): RankFiles {
  const dir = join(jobDir, 'rank');
  mkdirSync(dir, { recursive: true });
  const allRank = join(dir, 'all_rank.csv');
  const selectedRank = join(dir, 'selected_rank.csv');
  const existing = existsSync(allRank) ? parseCsv(readFileSync(allRank, 'utf8'), allRank) : undefined;
  const all = buildAll(cases, rank, existing);
  const selected = buildSelected(all, cases, rank);
  if (rank.saveMode !== 'selected_only') writeFileSync(allRank, writeCsv(withRank(all)));
  writeFileSync(selectedRank, writeCsv(withRank(selected)));
  return { allRank, selectedRank, all: withRank(all), selected: withRank(selected) };
}
