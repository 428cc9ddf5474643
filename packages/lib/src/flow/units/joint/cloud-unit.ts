/**
 * `cloud_inference`: the big model of joint inference (the lib's BigModelClient, `POST /{job}/predict` on
 * BIG_MODEL_IP:BIG_MODEL_PORT). A hard example goes to the cloud and comes out with the cloud's answer; when the
 * cloud fails it comes out with the edge's answer (answeredBy edge-fallback) and a warning event, as the lib's
 * JointInference does: the stream does not stop for a cloud outage.
 */
import { BigModelClient } from '../../../core/joint_inference/big-model-client.js';
import type { Tensor } from '../../../core/estimator.js';
import type { StartedWork, UnitDefinition, UnitInput, UnitOutput } from '../../types.js';
import { defineUnit, option } from '../define.js';
import { requireRecord, type InferenceRecord } from '../inference/records.js';
import { WORKER_ENV } from '@sedna/api/contracts';

/** The metas of the answers, one object each for every item (the scheduler copies them into each item's meta). */
const CLOUD_META = Object.freeze({ answered_by: 'cloud' });
const FALLBACK_META = Object.freeze({ answered_by: 'edge-fallback' });

const cloudInference = defineUnit({
  name: 'cloud_inference',
  kind: 'normal',
  ignoresMeta: true,
  description: 'Sends items to the big model service in the cloud (joint inference); falls back to the edge answer if it fails',
  inputs: [['in_inference', 'inference']],
  outputs: [['out_inference', 'inference']],
  options: [
    { name: 'big_model_ip', type: 'string', description: 'the big model service host', env: WORKER_ENV.BIG_MODEL_IP, default: '127.0.0.1' },
    { name: 'big_model_port', type: 'integer', description: 'its port', env: WORKER_ENV.BIG_MODEL_PORT, default: 5000 },
    { name: 'job_name', type: 'string', description: 'the service path prefix', env: WORKER_ENV.JOB_NAME, default: 'sedna' },
    { name: 'format', type: 'string', description: 'binary (default) or json (the original Python service)', default: 'binary' },
    { name: 'timeout_ms', type: 'integer', description: 'time limit of one call', default: 10_000 },
  ],
  open(context) {
    const format = option<string>(context, 'format');
    if (format !== 'binary' && format !== 'json') throw new Error(`option format: binary or json, got ${JSON.stringify(format)}`);
    const client = new BigModelClient({ host: option<string>(context, 'big_model_ip'), port: option<number>(context, 'big_model_port'), jobName: option<string>(context, 'job_name'), format, timeoutMs: option<number>(context, 'timeout_ms') });
    let failing = false;
    /**
     * The record with the cloud's answer: the same fields in the same order as `{ ...r, edgeOutput: r.output,
     * output, answeredBy: 'cloud' }`, written out for the records mining passes on (a literal costs less than a
     * spread, and this runs for every hard item).
     */
    const answered = (r: InferenceRecord, output: Tensor): InferenceRecord => {
      const { input, modelVersion, hard, edgeOutput } = r;
      if (edgeOutput !== undefined) return { ...r, edgeOutput: r.output, output, answeredBy: 'cloud' };
      if (modelVersion === undefined) return hard === undefined ? { input, output, answeredBy: 'cloud', edgeOutput: r.output } : { input, output, answeredBy: 'cloud', hard, edgeOutput: r.output };
      return hard === undefined ? { input, output, answeredBy: 'cloud', modelVersion, edgeOutput: r.output } : { input, output, answeredBy: 'cloud', modelVersion, hard, edgeOutput: r.output };
    };
    const recovered = (): void => {
      if (failing) context.event('Normal', 'CloudRecovered', `${client.endpoint} answers again`);
      failing = false;
    };
    const failed = (error: unknown): void => {
      if (!failing) context.event('Warning', 'CloudFailed', `${(error as Error).message}; answering with the edge model`);
      failing = true;
    };
    const fallback = (r: InferenceRecord): UnitOutput => ({ ports: { out_inference: { ...r, answeredBy: 'edge-fallback' } satisfies InferenceRecord }, meta: FALLBACK_META });
    /** One hard item's call, begun: the cloud's promise and the record it answers. */
    interface CloudCall extends StartedWork {
      readonly work: Promise<Tensor>;
      readonly record: InferenceRecord;
    }
    // One item (a stream's usual case, batch_size 1) in two steps (see UnitInstance.start): its sample is the batch,
    // as a hand-written call sends it; a compiled chain awaits the cloud's promise itself (no `then` of our own for
    // each hard item); the other paths call process().
    const start = (input: UnitInput): CloudCall => {
      const record = requireRecord(input.ports.in_inference, 'in_inference');
      const sample = record.input;
      const shape = sample.shape[0] === 1 ? sample.shape : [1, ...sample.shape];
      return { work: client.predict({ data: sample.data, shape }), record };
    };
    const finish = (started: StartedWork, result: unknown): UnitOutput => {
      recovered();
      const answer = result as Tensor;
      // Two flat literals: this runs for a quarter of the items or fewer, so V8 may leave it unoptimized, where a
      // nested literal is made by its runtime, several times slower.
      const ports = { out_inference: answered((started as CloudCall).record, answer.shape[0] === 1 ? answer : { data: answer.data, shape: [1, ...answer.shape.slice(1)] }) };
      return { ports, meta: CLOUD_META };
    };
    const fail = (started: StartedWork, error: unknown): UnitOutput => {
      failed(error);
      return fallback((started as CloudCall).record);
    };
    return {
      start,
      finish,
      fail,
      // Not an async function: the cloud's promise is answered with one `then` (this runs for every hard item).
      process(batch) {
        const records = new Array<InferenceRecord>(batch.length);
        for (let k = 0; k < batch.length; k++) records[k] = requireRecord((batch[k] as UnitInput).ports.in_inference, 'in_inference');
        const first = records[0] as InferenceRecord;
        const width = first.input.data.length;
        for (let k = 1; k < records.length; k++) if ((records[k] as InferenceRecord).input.data.length !== width) throw new Error('cloud_inference: the samples of one batch differ in size');
        const sampleShape = first.input.shape[0] === 1 ? first.input.shape.slice(1) : first.input.shape;
        const shape = [records.length, ...sampleShape];
        // One record (batch_size 1, a stream's usual case): its sample is the batch, as a hand-written call sends it.
        let data = first.input.data;
        if (records.length > 1) {
          data = new Float32Array(width * records.length);
          for (let k = 0; k < records.length; k++) data.set((records[k] as InferenceRecord).input.data, k * width);
        }
        return client.predict({ data, shape }).then(
          (answer) => {
            recovered();
            // One record: the answer is its row (no copy).
            if (records.length === 1 && answer.shape[0] === 1) return [{ ports: { out_inference: answered(first, answer) }, meta: CLOUD_META }];
            const rowWidth = answer.data.length / records.length;
            return records.map((r, k) => ({ ports: { out_inference: answered(r, { data: answer.data.slice(k * rowWidth, (k + 1) * rowWidth), shape: [1, ...answer.shape.slice(1)] }) }, meta: CLOUD_META }));
          },
          (error: unknown) => {
            failed(error);
            return records.map(fallback);
          },
        );
      },
      close: () => client.close(),
    };
  },
});

export const jointUnits: UnitDefinition[] = [cloudInference];
