/** Which transmitter a federated-learning worker uses: TRANSMITTER is `ws` (the default) or `s3`. */
import type { Env } from '../storage/s3.js';

export type TransmitterKind = 'ws' | 's3';

export function transmitterKindFromEnv(env: Env = process.env): TransmitterKind {
  const value = (env.TRANSMITTER ?? '').trim().toLowerCase() || 'ws';
  if (value !== 'ws' && value !== 's3') throw new Error(`TRANSMITTER must be "ws" or "s3"; got ${JSON.stringify(env.TRANSMITTER)}`);
  return value;
}
