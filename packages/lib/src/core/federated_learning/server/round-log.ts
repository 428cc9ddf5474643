/** The aggregator's one log line per round. */
import type { RoundRecord } from '../protocol.js';
import type { CloseReason } from './open-round.js';

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
