/**
 * `cloud_inference`: the big model of joint inference (the lib's BigModelClient, `POST /{job}/predict` on
 * BIG_MODEL_IP:BIG_MODEL_PORT). A hard example goes to the cloud and comes out with the cloud's answer; when the
 * cloud fails it comes out with the edge's answer (answeredBy edge-fallback) and a warning event, as the lib's
 * JointInference does: the stream does not stop for a cloud outage.
 */
import { BigModelClient } from '../../../core/joint_inference/big-model-client.js';
import type { UnitDefinition } from '../../types.js';
import { defineUnit, option } from '../define.js';
import { requireRecord, type InferenceRecord } from '../inference/records.js';
import { WORKER_ENV } from '@sedna/api/contracts';

const cloudInference = defineUnit({
  name: 'cloud_inference',
  kind: 'normal',
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
    return {
      async process(batch) {
        const records = batch.map((item) => requireRecord(item.ports.in_inference, 'in_inference'));
        const width = records[0]?.input.data.length ?? 0;
        const same = records.every((r) => r.input.data.length === width);
        const shape = [records.length, ...((records[0]?.input.shape[0] === 1 ? records[0]?.input.shape.slice(1) : records[0]?.input.shape) ?? [])];
        if (!same) throw new Error('cloud_inference: the samples of one batch differ in size');
        // One record (batch_size 1, a stream's usual case): its sample is the batch, as a hand-written call sends it.
        const data = records.length === 1 ? (records[0] as InferenceRecord).input.data : new Float32Array(width * records.length);
        if (records.length > 1) records.forEach((r, k) => data.set(r.input.data, k * width));
        try {
          const answer = await client.predict({ data, shape });
          if (failing) context.event('Normal', 'CloudRecovered', `${client.endpoint} answers again`);
          failing = false;
          const rowWidth = answer.data.length / records.length;
          return records.map((r, k) => {
            // One record: the answer is its row (no copy).
            const output = records.length === 1 && answer.shape[0] === 1 ? answer : { data: answer.data.slice(k * rowWidth, (k + 1) * rowWidth), shape: [1, ...answer.shape.slice(1)] };
            const out: InferenceRecord = { ...r, edgeOutput: r.output, output, answeredBy: 'cloud' };
            return { ports: { out_inference: out }, meta: { answered_by: 'cloud' } };
          });
        } catch (error) {
          if (!failing) context.event('Warning', 'CloudFailed', `${(error as Error).message}; answering with the edge model`);
          failing = true;
          return records.map((r) => ({ ports: { out_inference: { ...r, answeredBy: 'edge-fallback' } satisfies InferenceRecord }, meta: { answered_by: 'edge-fallback' } }));
        }
      },
      close: () => client.close(),
    };
  },
});

export const jointUnits: UnitDefinition[] = [cloudInference];
