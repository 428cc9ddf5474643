/** What the runner hands a case's thread, and what it hands back: plain JSON (also kept as case.json, result.json). */
import type { AlgorithmConfig } from '../config/algorithm.js';
import type { TestEnvConfig } from '../config/testenv.js';
import type { ModuleInstance } from './grid.js';

/** A simulated edge-cloud system the case's jobs run on (see simulation/). */
export interface SimulationTarget {
  kubeconfig: string;
  cloudNodes: string[];
  edgeNodes: string[];
  /** Folder of the control plane's state (the case puts its job files under it). */
  dataDir: string;
  /** Emulated links: the host side's interface of each edge node (its counters give the bytes sent). */
  links: { node: string; hostIf: string }[];
}

export interface CaseSpec {
  id: string;
  algorithm: AlgorithmConfig;
  modules: ModuleInstance[];
  testenv: TestEnvConfig;
  /** `<workspace>/<job>/<algorithm>/<id>`. */
  outputDir: string;
  simulation?: SimulationTarget;
  /** TypeScript module files compiled ahead by the runner (compile-modules.ts): source url -> JavaScript file. */
  compiledModules?: Record<string, string>;
}

/** A metric's value: a number, or for Matrix a structure the rank keeps as JSON. */
export type MetricValue = number | string | Record<string, unknown> | unknown[];

export interface CaseResult {
  id: string;
  ok: boolean;
  metrics: Record<string, MetricValue>;
  /** Why the case failed (the module's or metric's own message). */
  error?: string;
  /** Local time the case ended, `%Y-%m-%d %H:%M:%S` as Ianvs writes it. */
  time: string;
  seconds: number;
}

export function ianvsTime(date = new Date()): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${p(date.getMonth() + 1)}-${p(date.getDate())} ${p(date.getHours())}:${p(date.getMinutes())}:${p(date.getSeconds())}`;
}
