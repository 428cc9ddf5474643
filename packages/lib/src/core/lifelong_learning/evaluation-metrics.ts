/**
 * The metrics the evaluation computes per task, by the names the original took from scikit-learn (its eval worker
 * set `metrics: precision_score` and `metric_param: {'average': 'micro'}`): accuracy_score, precision_score,
 * recall_score and f1_score, with `average` micro (default), macro or weighted.
 */
import { argmaxRow } from '../../backend/batch.js';
import type { Tensor } from '../estimator.js';

export type MetricAverage = 'micro' | 'macro' | 'weighted';
export const METRIC_NAMES = ['accuracy_score', 'precision_score', 'recall_score', 'f1_score'] as const;
export type MetricName = (typeof METRIC_NAMES)[number];

export interface MetricSettings {
  names: MetricName[];
  average: MetricAverage;
}

/** Class predictions (argmax) of a [n, classes] output. */
export function predictedClasses(predictions: Tensor): Int32Array {
  const n = predictions.shape[0] as number;
  const width = predictions.shape.slice(1).reduce((a, b) => a * b, 1);
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = argmaxRow(predictions.data, i, width);
  return out;
}

export function computeMetric(name: MetricName, truth: ArrayLike<number>, predicted: ArrayLike<number>, average: MetricAverage = 'micro'): number {
  if (truth.length !== predicted.length) throw new Error(`${name}: ${truth.length} labels but ${predicted.length} predictions`);
  const n = truth.length;
  if (n === 0) return Number.NaN;
  let correct = 0;
  for (let i = 0; i < n; i++) if (truth[i] === predicted[i]) correct++;
  // For single-label classification every micro average equals the accuracy.
  if (name === 'accuracy_score' || average === 'micro') return correct / n;
  const classes = new Set<number>();
  for (let i = 0; i < n; i++) {
    classes.add(truth[i] as number);
    classes.add(predicted[i] as number);
  }
  let sum = 0;
  let weightSum = 0;
  for (const c of classes) {
    let tp = 0;
    let fp = 0;
    let fn = 0;
    for (let i = 0; i < n; i++) {
      const t = truth[i] === c;
      const p = predicted[i] === c;
      if (t && p) tp++;
      else if (p) fp++;
      else if (t) fn++;
    }
    const precision = tp + fp === 0 ? 0 : tp / (tp + fp);
    const recall = tp + fn === 0 ? 0 : tp / (tp + fn);
    const value = name === 'precision_score' ? precision : name === 'recall_score' ? recall : precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
    const support = tp + fn;
    // scikit-learn's macro average covers the labels present in truth or predictions; weighted uses the support.
    sum += average === 'weighted' ? value * support : value;
    weightSum += average === 'weighted' ? support : 1;
  }
  return weightSum === 0 ? 0 : sum / weightSum;
}

/**
 * The metric settings from the eval worker's parameters: `metrics` a name or comma-separated names (default
 * accuracy_score), `metric_param` JSON, or the Python dict text of the original's YAML ("{'average': 'micro'}").
 */
export function metricSettings(metrics: string | undefined, metricParam: string | undefined): MetricSettings {
  const names = (metrics ?? 'accuracy_score').split(',').map((m) => m.trim()).filter(Boolean);
  for (const name of names) {
    if (!(METRIC_NAMES as readonly string[]).includes(name)) throw new Error(`parameter metrics: unknown metric "${name}" (known: ${METRIC_NAMES.join(', ')})`);
  }
  let average: MetricAverage = 'micro';
  if (metricParam !== undefined && metricParam.trim() !== '') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(metricParam);
    } catch {
      try {
        parsed = JSON.parse(metricParam.replaceAll("'", '"'));
      } catch (error) {
        throw new Error(`parameter metric_param: expected a JSON object such as {"average": "micro"}, got ${JSON.stringify(metricParam)}`, { cause: error });
      }
    }
    const value = (parsed as { average?: unknown } | null)?.average;
    if (value !== undefined) {
      if (value !== 'micro' && value !== 'macro' && value !== 'weighted') throw new Error(`parameter metric_param: average must be micro, macro or weighted, got ${JSON.stringify(value)}`);
      average = value;
    }
  }
  return { names: (names.length > 0 ? names : ['accuracy_score']) as MetricName[], average };
}

/** A deploy rule: a group is deployed when its first metric satisfies `metric OPERATOR threshold`. */
export interface DeployRule {
  operator: '>' | '>=' | '<' | '<=' | '=';
  threshold: number;
}

/**
 * The rule from the eval worker's `operator` (default ">") and `model_threshold` (default 0.1) parameters. The
 * original dropped a task when a score satisfied the rule, so `operator: ">"` with `model_threshold: 0.5` withdrew
 * every model better than 0.5 (and turned any unknown operator into "<"); here the rule says which models are kept,
 * and an unknown operator is an error.
 */
export function deployRule(operator: string | undefined, threshold: string | number | undefined): DeployRule {
  const op = (operator ?? '>').trim();
  if (op !== '>' && op !== '>=' && op !== '<' && op !== '<=' && op !== '=') throw new Error(`parameter operator: expected one of > >= < <= =, got ${JSON.stringify(operator)}`);
  const value = threshold === undefined || threshold === '' ? 0.1 : Number(threshold);
  if (!Number.isFinite(value)) throw new Error(`parameter model_threshold: expected a number, got ${JSON.stringify(threshold)}`);
  return { operator: op, threshold: value };
}

export function satisfies(rule: DeployRule, score: number): boolean {
  switch (rule.operator) {
    case '>':
      return score > rule.threshold;
    case '>=':
      return score >= rule.threshold;
    case '<':
      return score < rule.threshold;
    case '<=':
      return score <= rule.threshold;
    case '=':
      return Math.abs(score - rule.threshold) < 1e-6;
  }
}
