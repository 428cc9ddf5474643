/**
 * The `results` of the aggregator's completed report: the saved model with its per-round metrics, which the GM writes
 * into the Model's status. The aggregator's own test metrics when it evaluated, else the workers' training metrics.
 */
import type { ModelResult } from '../../../reporter/message.js';
import type { SavedModel } from '../model-output.js';
import type { RoundRecord } from '../protocol.js';

export function modelResults(history: readonly RoundRecord[], model: SavedModel | undefined): ModelResult[] | undefined {
  if (model === undefined) return undefined;
  const series = (key: 'accuracy' | 'loss', fallback: 'trainAccuracy' | 'trainLoss'): number[] => {
    const central = history.filter((record) => record[key] !== undefined).map((record) => record[key]!);
    return central.length > 0 ? central : history.filter((record) => record[fallback] !== undefined).map((record) => record[fallback]!);
  };
  const metrics: Record<string, number[]> = {};
  const accuracy = series('accuracy', 'trainAccuracy');
  const loss = series('loss', 'trainLoss');
  if (accuracy.length > 0) metrics['accuracy'] = accuracy;
  if (loss.length > 0) metrics['loss'] = loss;
  return [{ format: model.format, url: model.url, ...(Object.keys(metrics).length > 0 ? { metrics } : {}) }];
}
