/**
 * How the global model reaches the workers, by wire: one binary frame shared by every worker of this lib (or, with
 * the S3 transmitter, a text header naming the object the model was written to), and the original's JSON message
 * with nested lists for the Python lib's workers.
 */
import type { S3Transmitter } from '../../../transmitter/s3-transmitter.js';
import type { WeightTensor } from '../../estimator.js';
import { decodeWeightsBody, encodeFrame, type WeightsEncoder } from '../frames.js';
import { weightsToNested } from '../json-weights.js';
import type { GlobalHeader } from '../protocol.js';
import type { ClientSession } from './session.js';

export class GlobalModelSender {
  constructor(
    private readonly encoder: WeightsEncoder,
    private readonly s3: S3Transmitter | undefined,
  ) {}

  /** The object name of round `round`'s global model (S3 transmitter). */
  static objectName(round: number): string {
    return `global/round-${String(round).padStart(5, '0')}.weights`;
  }

  /** The header's S3 object field, when the model goes through S3. */
  objectField(round: number, global: readonly WeightTensor[] | undefined): { object?: string } {
    return this.s3 !== undefined && global !== undefined ? { object: GlobalModelSender.objectName(round) } : {};
  }

  /** The global model as workers will decode it (itself when it is not compressed). */
  asSent(weights: WeightTensor[]): WeightTensor[] {
    if (this.encoder.compression === undefined) return weights;
    return decodeWeightsBody(this.encoder.encode(weights)).weights;
  }

  /** With the S3 transmitter, writes the round's global model as the object the workers read. */
  async publish(round: number, global: readonly WeightTensor[] | undefined): Promise<void> {
    if (this.s3 === undefined || global === undefined) return;
    await this.s3.send(GlobalModelSender.objectName(round), { weights: global, meta: { round_number: round } });
  }

  /** `recv_weight` to every worker in its own wire; returns the bytes sent (S3 objects counted once per reader). */
  broadcast(sessions: readonly ClientSession[], header: GlobalHeader, global: readonly WeightTensor[] | undefined): number {
    const before = sessions.reduce((sum, session) => sum + session.bytesSent, 0);
    const binary = sessions.filter((session) => session.wire === 'binary');
    if (binary.length > 0) {
      if (this.s3 !== undefined) {
        const text = JSON.stringify(header);
        for (const session of binary) session.sendText(text);
      } else {
        const frame = this.frame(header, global);
        for (const session of binary) session.sendBinary(frame);
      }
    }
    const json = sessions.filter((session) => session.wire === 'json');
    if (json.length > 0) {
      // The original's message: weights as nested lists inside `data`.
      const text = JSON.stringify({
        type: 'recv_weight',
        client: header.client,
        job_name: header.job_name,
        round_number: header.round_number,
        data: { total_sample: header.total_sample, round_number: header.round_number, weights: global === undefined ? [] : weightsToNested(global), exit_flag: header.exit_flag },
      });
      for (const session of json) session.sendText(text);
    }
    const objectBytes = this.s3 !== undefined && global !== undefined ? binary.length * global.reduce((sum, tensor) => sum + 4 * tensor.data.length, 0) : 0;
    return sessions.reduce((sum, session) => sum + session.bytesSent, 0) - before + objectBytes;
  }

  /** `sync_weight` to one worker of this lib. */
  sync(session: ClientSession, header: GlobalHeader, global: readonly WeightTensor[] | undefined): void {
    if (this.s3 !== undefined) session.sendJson(header);
    else session.sendBinary(this.frame(header, global));
  }

  private frame(header: GlobalHeader, global: readonly WeightTensor[] | undefined): Uint8Array {
    return encodeFrame({ ...header }, global === undefined ? undefined : this.encoder.encode(global));
  }
}
