/**
 * This lib's reporters against the report endpoint of the original local controller (a Python rendering of its Go
 * handler, original_lc.py): every message decodes into the original's MessageContent, and reaches the manager of
 * its kind. (The other direction, the original lib's reporters against this LC, runs on `sedna up` in
 * joint-inference.test.ts and federated-learning.test.ts.)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FederatedReporter } from '@sedna/lib/federated-learning';
import { LCClient, LCReporter } from '@sedna/lib/reporter';
import { freePort } from '../common/worker-process.js';
import { COMPAT_DIR, PYTHON } from './manifests.js';

let lc: ChildProcess;
let dir: string;
let lcServer: string;
const records = (): any[] => {
  try {
    return readFileSync(join(dir, 'records.jsonl'), 'utf8').trim().split('\n').filter(Boolean).map((line) => JSON.parse(line));
  } catch {
    return [];
  }
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pycompat-lc-'));
  const port = await freePort();
  lcServer = `http://127.0.0.1:${port}`;
  lc = spawn(PYTHON, ['-u', join(COMPAT_DIR, 'original_lc.py')], { env: { ...process.env, PORT: String(port), RECORD_FILE: join(dir, 'records.jsonl') }, stdio: 'inherit' });
  const deadline = Date.now() + 30_000;
  for (;;) {
    const up = await fetch(`${lcServer}/sedna/workers/probe/info`, { method: 'POST', body: '{"name": "other"}' }).then(
      (r) => r.status === 400,
      () => false,
    );
    if (up) break;
    if (Date.now() > deadline) throw new Error('the original LC did not start');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}, 40_000);
afterAll(() => {
  lc?.kill();
  rmSync(dir, { recursive: true, force: true });
});

describe("this lib's reporters against the original LC's report endpoint", () => {
  it('joint inference counters and federated learning rounds decode and are dispatched', async () => {
    const client = new LCClient({ lcServer });
    const inference = new LCReporter({ client, identity: { name: 'edge-1', namespace: 'default', ownerName: 'ji', ownerKind: 'jointinferenceservice' }, periodMs: 60_000 });
    inference.start();
    inference.updateForEdgeInference();
    inference.updateForCollaborationInference();
    expect(await inference.flush()).toBe(true);
    await inference.stop();

    const federated = new FederatedReporter({ client, identity: { name: 'train-1', namespace: 'default', ownerName: 'fl', ownerKind: 'federatedlearningjob' }, log: () => undefined });
    federated.report('running', { currentRound: 1, sampleCount: 100 });
    federated.report('completed', { currentRound: 2, sampleCount: 100 }, [{ format: 'onnx', url: '/models/fl.onnx', metrics: { accuracy: [0.8, 0.9] } }]);
    await federated.flush();

    const got = records();
    expect(got).toHaveLength(3);
    expect(got.every((m) => m.dispatched)).toBe(true);
    expect(got[0]).toMatchObject({ name: 'edge-1', ownerKind: 'jointinferenceservice', kind: 'inference', ownerInfo: { inferenceNumber: 2, hardExampleNumber: 1, uploadCloudRatio: 0.5 } });
    expect(got[1]).toMatchObject({ name: 'train-1', ownerKind: 'federatedlearningjob', kind: 'train', status: 'running', ownerInfo: { currentRound: 1 } });
    expect(got[2]).toMatchObject({ status: 'completed', results: [{ format: 'onnx', url: '/models/fl.onnx', metrics: { accuracy: [0.8, 0.9] } }] });
  }, 30_000);
});
