/**
 * The aggregator belongs to one job: its callers must present that job's credential (SEDNA_JOB_CREDENTIAL, which the
 * GM gives every worker of the job, the aggregator included), and its checkpoint is the job's, by uid
 * (SEDNA_JOB_UID): a job deleted and created again under the same name starts fresh.
 */
import { request } from 'node:http';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { jobCredential } from '@sedna/api/guard';
import { MlpEstimator } from '../../../backend/mlp/estimator.js';
import { loadCheckpoint, saveCheckpoint } from '../checkpoint.js';
import { FederatedLearning } from '../client/federated-learning.js';
import { aggregatorSettingsFromEnv, trainerSettingsFromEnv } from '../settings.js';
import { TEST_DATA, TEST_SPEC, useTestAggregators } from '../../../../test/helpers/test-aggregators.js';

const aggregators = useTestAggregators('fl-job-scope-');
const { lines } = aggregators;
const spec = TEST_SPEC;
const data = TEST_DATA;
const secret = 'control-plane-secret';
const credentialOf = (uid: string): string => jobCredential(secret, { namespace: 'default', name: 'fl-job', uid });
const start = aggregators.start;

const trainer = (port: number, env: Record<string, string>, extra: { connectTimeoutMs?: number } = {}): FederatedLearning =>
  new FederatedLearning({ estimator: new MlpEstimator({ spec, seed: 2 }), env: { WORKER_NAME: 'edge-1', AGG_PORT: String(port), ...env }, jobName: 'fl-job', epochs: 1, batchSize: 8, reporter: false, log: () => undefined, ...extra });

/** The HTTP status of a websocket upgrade (101 when accepted) or of a GET. */
function statusOf(port: number, headers: Record<string, string>, upgrade: boolean): Promise<number> {
  if (upgrade) {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(`ws://127.0.0.1:${port}/FedAvg`, { headers });
      socket.once('open', () => {
        socket.terminate();
        resolve(101);
      });
      socket.once('unexpected-response', (_req, res) => {
        resolve(res.statusCode ?? 0);
        socket.terminate();
      });
      socket.once('error', (error) => (error.message.includes('closed before') ? undefined : reject(error)));
    });
  }
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/FedAvg', headers }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

describe("the aggregator takes callers of its own job only", () => {
  it('refuses an upgrade or a GET without the job credential, or with another job\'s; takes the trainers that carry it', async () => {
    const credential = credentialOf('uid-1');
    const { server, port } = await start({ credential, checkpointUrl: undefined });
    for (const upgrade of [true, false]) {
      expect(await statusOf(port, {}, upgrade)).toBe(401);
      expect(await statusOf(port, { authorization: `Bearer ${credentialOf('uid-0')}` }, upgrade)).toBe(401);
      expect(await statusOf(port, { authorization: `Bearer ${credential}` }, upgrade)).toBe(upgrade ? 101 : 200);
    }
    expect(lines.some((line) => /refused a caller from 127\.0\.0\.1 .*Authorization: Bearer \$SEDNA_JOB_CREDENTIAL/.test(line))).toBe(true);

    // A trainer of an earlier job of the same name fails at once, saying why (not after CONNECT_TIMEOUT).
    const stale = trainer(port, { SEDNA_JOB_CREDENTIAL: credentialOf('uid-0') }, { connectTimeoutMs: 60_000 });
    const started = Date.now();
    await expect(stale.train(data)).rejects.toThrow(/HTTP 401.*not the one of this job/);
    expect(Date.now() - started).toBeLessThan(30_000);

    // The job's trainer (the credential from its environment, as the GM gives it) finishes the job.
    expect((await trainer(port, { SEDNA_JOB_CREDENTIAL: credential }).train(data)).rounds).toBe(2);
    expect((await server.done).rounds).toBe(2);
  });

  it('reads its credential and uid from the environment; AGG_AUTH=none opens it for trainers of the original lib', () => {
    const env = { SEDNA_JOB_CREDENTIAL: 'c', SEDNA_JOB_UID: 'u' };
    expect(aggregatorSettingsFromEnv(env)).toMatchObject({ credential: 'c', jobUid: 'u' });
    expect(aggregatorSettingsFromEnv({ ...env, AGG_AUTH: 'none' }).credential).toBeUndefined();
    expect(() => aggregatorSettingsFromEnv({ ...env, AGG_AUTH: 'maybe' })).toThrow(/AGG_AUTH must be job-credential or none/);
    expect(trainerSettingsFromEnv({ ...env, WORKER_NAME: 'w' }).credential).toBe('c');
  });
});

describe("the aggregator's checkpoint is its job's", () => {
  it('is resumed by a restart of the same job, and not by a job created again under the same name (another uid)', async () => {
    const url = join(aggregators.dir(), 'uid.fl-checkpoint');
    const job = { workerName: 'fl-job-aggregation-aaaaa', checkpointUrl: url };
    // The first job (uid-1) runs to its end; its checkpoint names its uid.
    const first = await start({ ...job, jobUid: 'uid-1' });
    await trainer(first.port, {}).train(data);
    await first.server.done;
    await first.server.stop();
    const finished = (await loadCheckpoint(url))!;
    expect(finished).toMatchObject({ jobUid: 'uid-1', finished: true, completedRounds: 2 });

    // As if its aggregator had died after round 1: a restart of the same job resumes there.
    await saveCheckpoint(url, { ...finished, finished: false, completedRounds: 1, history: finished.history.slice(0, 1) });
    const again = await start({ ...job, jobUid: 'uid-1' });
    expect(again.server.status().resumedFrom).toBe(1);
    await again.server.stop();

    // The job deleted and created again under the same name: another uid (and another worker name), a fresh start.
    const recreated = await start({ ...job, jobUid: 'uid-2', workerName: 'fl-job-aggregation-bbbbb' });
    expect(recreated.server.status()).toMatchObject({ completedRounds: 0, resumedFrom: undefined });
    expect(lines.some((line) => /not resuming .*: it belongs to an earlier job of the same name \(uid uid-1; this job's is uid-2\); starting over/.test(line))).toBe(true);
    await recreated.server.stop();

    // Even a finished run under the same worker name (which would otherwise be ended again with the old model): the uid decides.
    await saveCheckpoint(url, finished);
    const sameName = await start({ ...job, jobUid: 'uid-3' });
    expect(sameName.server.status()).toMatchObject({ completedRounds: 0, finished: false, resumedFrom: undefined });
  });
});
