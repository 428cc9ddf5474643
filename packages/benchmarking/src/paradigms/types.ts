/** The contract between the case runner and a paradigm. */
import type { Estimator } from '@sedna/lib/common';
import type { CaseSpec } from '../cases/spec.js';
import type { LabelledSet } from './data.js';

/** What the paradigm measured for Ianvs's system metrics (metrics/system.ts computes them). */
export interface SystemMetricInfo {
  /** Per inference pass: [samples inferred, samples sent on (hard)]. */
  samples_transfer_ratio?: [number, number][];
  /** Lifelong learning: rows = after training round r (row 0: before any), columns = task; accuracy. */
  Matrix?: number[][];
  /** Under simulation: bytes sent per link name, and request latencies in ms. */
  bytes_per_link?: Record<string, number>;
  latencies_ms?: number[];
  /** Anything else a paradigm wants in the case's result file. */
  [key: string]: unknown;
}

export interface ParadigmContext {
  spec: CaseSpec;
  train: () => Promise<LabelledSet>;
  test: () => Promise<LabelledSet>;
  log: (line: string) => void;
  /** `<case dir>/output`. */
  outputDir: string;
}

export interface ParadigmOutcome {
  /** Predicted class per test sample, what user metrics receive with the true labels. */
  predictions: Int32Array;
  system: SystemMetricInfo;
}

export type Paradigm = (ctx: ParadigmContext) => Promise<ParadigmOutcome>;

/** The basemodel contract: the lib's Estimator, built from the module's hyperparameters. */
export type BaseModel = Estimator;
