/**
 * How long each test case took in earlier runs, so that a parallel run starts the longest cases first (the
 * longest-processing-time rule, as Jest orders test files by their last durations). With cases in grid order a
 * long case that starts last runs alone at the end while the other core idles: the incremental example's grid
 * alternates 1- and 2-epoch cases, and its last case is a long one.
 *
 * A case is known by what decides its work: the paradigm and its settings, the modules with their hyperparameter
 * values, and the test environment (dataset, metrics, rounds), not by its id, output folder or the path of the
 * YAML file it came from. The durations live in the runner's cache (`$SEDNA_BENCHMARK_CACHE/case-seconds.json`);
 * the file is rewritten through a temporary file and a rename, so jobs running at once can lose each other's
 * entries (a later run measures them again) but never read a half-written file.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { CaseResult, CaseSpec } from './spec.js';

/** At most this many cases are remembered (the oldest entries go first). */
const MAX_ENTRIES = 5000;

export function caseDurationsFile(cacheDir: string): string {
  return join(cacheDir, 'case-seconds.json');
}

/** What decides a case's work, as a short hash. */
export function caseKey(spec: CaseSpec): string {
  const { file: _algorithmFile, name: _algorithmName, modules: _moduleConfigs, ...algorithm } = spec.algorithm;
  const { file: _testenvFile, warnings: _warnings, ...testenv } = spec.testenv;
  const work = { algorithm, modules: spec.modules, testenv, simulated: spec.simulation !== undefined };
  return createHash('sha256').update(JSON.stringify(work)).digest('hex').slice(0, 24);
}

export function readCaseDurations(file: string): Map<string, number> {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return new Map();
    return new Map(Object.entries(parsed as Record<string, unknown>).filter((e): e is [string, number] => typeof e[1] === 'number' && Number.isFinite(e[1]) && e[1] >= 0));
  } catch {
    // No file yet, or one this runner cannot read: no durations, grid order.
    return new Map();
  }
}

/**
 * The order to start the cases in: cases never measured first (in grid order: their cost is unknown, and starting
 * them early keeps a long one from ending the run alone), then the measured ones, longest first.
 */
export function longestFirst(specs: readonly CaseSpec[], known: ReadonlyMap<string, number>): number[] {
  const seconds = specs.map((s) => known.get(caseKey(s)));
  const order = specs.map((_, k) => k);
  return order.sort((a, b) => {
    const sa = seconds[a];
    const sb = seconds[b];
    if (sa === undefined || sb === undefined) return sa === sb ? a - b : sa === undefined ? -1 : 1;
    return sb - sa || a - b;
  });
}

/** Adds the successful cases' durations to the file (failed cases ended early: their time says nothing). */
export function saveCaseDurations(file: string, specs: readonly CaseSpec[], results: readonly (CaseResult | undefined)[]): void {
  const known = readCaseDurations(file);
  specs.forEach((spec, k) => {
    const result = results[k];
    if (!result?.ok) return;
    const key = caseKey(spec);
    known.delete(key); // re-inserted last: the newest entries survive the trim
    known.set(key, Math.round(result.seconds * 1000) / 1000);
  });
  const entries = [...known.entries()].slice(-MAX_ENTRIES);
  try {
    mkdirSync(dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(Object.fromEntries(entries)));
    renameSync(tmp, file);
  } catch {
    // A cache that cannot be written only means the next run starts in grid order.
  }
}
