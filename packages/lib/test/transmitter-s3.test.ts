import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { Storage } from '../src/storage/index.js';
import { S3Transmitter } from '../src/transmitter/index.js';
import { startS3rver, type S3Fixture } from './helpers/s3rver-fixture.js';

describe('S3 transmitter against s3rver', () => {
  let s3: S3Fixture;
  let storage: Storage;

  beforeAll(async () => {
    s3 = await startS3rver(['fl-agg']);
    storage = new Storage({ env: s3.env });
  });
  afterAll(async () => {
    storage.close();
    await s3.stop();
  });

  it('writes weights under AGG_DATA_PATH and reads them back', async () => {
    const edge = S3Transmitter.fromEnv({ ...s3.env, AGG_DATA_PATH: 's3://fl-agg/job-1/' }, storage);
    const cloud = new S3Transmitter({ aggDataPath: 's3://fl-agg/job-1', storage });
    const weights = [{ name: 'dense/kernel', shape: [4, 3], data: Float32Array.from({ length: 12 }, (_, i) => i - 5.5) }];

    const waiting = cloud.recv('round-1/edge-1.weights', { timeoutMs: 20_000, pollMs: 20 });
    const url = await edge.send('round-1/edge-1.weights', { weights, meta: { num_samples: 40 } });
    expect(url).toBe('s3://fl-agg/job-1/round-1/edge-1.weights');
    const got = await waiting;
    expect(got.meta).toEqual({ num_samples: 40 });
    expect(Array.from(got.weights[0]?.data ?? [])).toEqual(Array.from(weights[0]?.data ?? []));
    expect(await cloud.has('round-1/edge-1.weights')).toBe(true);
  });

  it('refuses unsafe names, times out clearly and reports corrupt objects', async () => {
    const t = new S3Transmitter({ aggDataPath: 's3://fl-agg/job-2', storage });
    expect(() => t.urlOf('../escape')).toThrow(/must be a relative path/);
    await expect(t.recv('never', { timeoutMs: 100, pollMs: 20 })).rejects.toThrow('weights s3://fl-agg/job-2/never did not appear within 100 ms');
    await storage.writeBytes('s3://fl-agg/job-2/bad', 'garbage');
    await expect(t.recv('bad')).rejects.toThrow(/s3:\/\/fl-agg\/job-2\/bad: truncated: the header/);
    expect(() => S3Transmitter.fromEnv({ AGG_DATA_PATH: './' })).toThrow(/AGG_DATA_PATH must name/);
  });
});
