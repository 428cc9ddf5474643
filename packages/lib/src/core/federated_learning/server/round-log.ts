/** The aggregator's record and log line of each round. */
import type { Metrics } from '../../estimator.js';
import type { RoundRecord } from '../protocol.js';
import { weightedMetric, type CombinedRound } from './combine.js';
import type { CloseReason, OpenRound } from './open-round.js';

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

export function describeRound(record: RoundRecord, reason: CloseReason, exitRound: number): string {
  const parts = [
    `round ${record.round}/${exitRound} ${record.aggregated ? 'aggregated' : 'kept the global model'} (${reason === 'timeout' ? 'by timeout' : 'all answered'}): ${record.accepted.length} update(s), ${record.totalSamples} samples`,
  ];
  if (record.rejected.length > 0) parts.push(`${record.rejected.length} refused (${record.rejected.map((r) => `"${r.id}"`).join(', ')})`);
  if (record.accuracy !== undefined) parts.push(`test accuracy ${(record.accuracy * 100).toFixed(2)}%`);
  else if (record.trainAccuracy !== undefined) parts.push(`train accuracy ${(record.trainAccuracy * 100).toFixed(2)}%`);
  parts.push(`${formatBytes(record.bytesReceived)} received`, `aggregation ${record.aggregationMs.toFixed(1)} ms`);
  return parts.join(', ');
}

/** The record of a closed round (bytesSent is filled in once the model went out). */
export function roundRecord(round: OpenRound, reason: CloseReason, combined: CombinedRound & { metrics: Metrics | undefined }, evaluation: Metrics | undefined, lastBroadcastAt: number): RoundRecord {
  const now = performance.now();
  return {
    round: round.number,
    samples: Object.fromEntries(combined.used.map((update) => [update.id, update.numSamples])),
    totalSamples: combined.totalSamples,
    accepted: combined.used.map((update) => update.id),
    rejected: [...round.rejected(), ...combined.rejected],
    aggregated: combined.weights !== undefined,
    closedBy: reason,
    ...optionalNumber('trainLoss', combined.metrics?.['loss'] ?? weightedMetric(combined.used, 'loss')),
    ...optionalNumber('trainAccuracy', combined.metrics?.['accuracy'] ?? weightedMetric(combined.used, 'accuracy')),
    ...optionalNumber('loss', evaluation?.['loss']),
    ...optionalNumber('accuracy', evaluation?.['accuracy']),
    bytesReceived: round.bytesReceived,
    bytesSent: 0,
    aggregationMs: combined.aggregationMs,
    collectMs: now - (round.firstAnswerAt ?? now),
    durationMs: now - lastBroadcastAt,
  };
}

function optionalNumber<K extends string>(key: K, value: number | undefined): { [P in K]?: number } {
  return (value === undefined || !Number.isFinite(value) ? {} : { [key]: value }) as { [P in K]?: number };
}
