/**
 * The aggregation messages of the original Python lib, as a worker of this lib reads them when it talks to an
 * original AggregationServer (lib/sedna/service/server/aggregation.py): after a round the server sends every worker
 * the last update's message with `type` and `data` replaced,
 *   `{"type":"recv_weight","client","job_name","round_number","data":{"total_sample","round_number","weights","exit_flag"}}`.
 * It never sends sync_weight, config or has_weights; they are filled in here as the original meant them (FedAvg,
 * the model in `data.weights`).
 */
import type { WeightTensor } from '../../estimator.js';
import { weightsFromNested } from '../json-weights.js';
import { DEFAULT_AGGREGATION, ProtocolError, isObject, type GlobalHeader } from '../protocol.js';

/** A count the original sent: Python ints, integral floats, digit strings (it casts with int()). */
function count(value: unknown, field: string): number {
  const number = typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isSafeInteger(number) || number < 0) throw new ProtocolError(`recv_weight: "${field}" must be a non-negative integer, got ${JSON.stringify(value) ?? 'nothing'}`);
  return number;
}

export function parseOriginalRecvWeight(message: Record<string, unknown>): { header: GlobalHeader; weights: WeightTensor[] | undefined } {
  const data = message['data'];
  if (!isObject(data)) throw new ProtocolError('recv_weight: "data" must be an object with total_sample, round_number, weights and exit_flag');
  const exitFlag = data['exit_flag'];
  if (exitFlag !== 'ok' && exitFlag !== 'continue') throw new ProtocolError(`recv_weight: "data.exit_flag" must be "ok" or "continue", got ${JSON.stringify(exitFlag)}`);
  const weights = data['weights'] === null || data['weights'] === undefined ? [] : weightsFromNested(data['weights']);
  const header: GlobalHeader = {
    type: 'recv_weight',
    client: typeof message['client'] === 'string' ? message['client'] : '',
    job_name: typeof message['job_name'] === 'string' ? message['job_name'] : '',
    round_number: count(data['round_number'], 'data.round_number'),
    total_sample: count(data['total_sample'], 'data.total_sample'),
    exit_flag: exitFlag,
    config: { algorithm: DEFAULT_AGGREGATION },
    has_weights: weights.length > 0,
  };
  return { header, weights: weights.length > 0 ? weights : undefined };
}
