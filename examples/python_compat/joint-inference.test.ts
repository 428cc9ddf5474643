/**
 * Joint inference between this control plane and workers of the original Python lib, both ways, on `sedna up`:
 * - an edge worker of the original's shape (its LCReporter sends no `status`) against this lib's cloud worker: its
 *   hard samples get the big model's answers and its reports fill the service's `status.metrics`;
 * - this lib's edge worker against a cloud worker of the original's shape, with no option set: the edge asks the
 *   service which form it takes and speaks the original's JSON; the cloud binds the BIG_MODEL_BIND_IP the GM gives.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { waitFor as until } from '../../packages/cli/test/harness.js';
import { useSednaUp } from '../common/sedna-up-fixture.js';
import { kubectl as runKubectl } from './harness.js';
import { COMPAT_DIR, jointInferenceYaml, python, typescript } from './manifests.js';

const up = useSednaUp({ name: 'pycompat-ji', edgeNodes: 1, exampleDir: COMPAT_DIR });

const kubectl = (args: string[], manifest?: string): Promise<string> => runKubectl(up, args, manifest);

const lines = (file: string): any[] => {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((line) => JSON.parse(line));
  } catch {
    return [];
  }
};

describe('joint inference with workers of the original Python lib', () => {
  it("an original edge's reports land in status.metrics, and this lib's cloud worker answers its hard samples", async () => {
    const results = join(up.workDir, 'py-edge.jsonl');
    mkdirSync(up.workDir, { recursive: true });
    const yaml = jointInferenceYaml('py-edge', python('original_ji_edge.py', { RESULT_FILE: results, SAMPLES: '10', LC_PERIOD: '1' }), typescript('ts_cloud_worker.ts'), {
      name: 'IBT',
      parameters: { threshold_img: '0.5' },
    });
    await kubectl(['apply'], yaml);
    const outcomes = await until('10 samples inferred by the Python edge', async () => (lines(results).length >= 10 ? lines(results) : undefined), 90_000);
    const hard = outcomes.filter((o) => o.hard);
    expect(hard.length).toBe(5);
    for (const outcome of hard) {
      expect(outcome.cloud, JSON.stringify(outcomes)).toHaveLength(4); // the big model's output for that one sample
      expect(outcome.cloud.reduce((a: number, b: number) => a + b, 0)).toBeCloseTo(1, 4);
    }
    const metrics = await until('status.metrics from the original reporter', async () => {
      const ji = JSON.parse(await kubectl(['get', 'jointinferenceservice', 'py-edge', '-o', 'json']));
      const m = ji.status?.metrics as { key: string; value: string }[] | undefined;
      return m?.find((entry) => entry.key === 'inferenceNumber' && entry.value === '10') ? m : undefined;
    }, 60_000);
    expect(metrics).toEqual(expect.arrayContaining([{ key: 'inferenceNumber', value: '10' }, { key: 'hardExampleNumber', value: '5' }, { key: 'uploadCloudRatio', value: '0.5' }]));
    await kubectl(['delete', 'jointinferenceservice', 'py-edge', '--wait=false']);
  }, 110_000);

  it("this lib's edge gets answers from an original cloud worker with no option set", async () => {
    const results = join(up.workDir, 'ts-edge.jsonl');
    const yaml = jointInferenceYaml('py-cloud', typescript('ts_edge_worker.ts', { RESULT_FILE: results, SAMPLES: '4' }), python('original_ji_cloud.py'), { name: 'CloudOnly', parameters: {} });
    await kubectl(['apply'], yaml);
    const outcomes = await until('4 samples answered', async () => (lines(results).length >= 4 ? lines(results) : undefined), 90_000);
    const fromCloud = outcomes.filter((o) => o.answeredBy === 'cloud');
    expect(fromCloud.length, JSON.stringify(outcomes)).toBe(4);
    for (const outcome of fromCloud) {
      const x = [outcome.sample, 0.5, -outcome.sample, 1].map((v: number) => v * 3);
      const e = x.map((v) => Math.exp(v - Math.max(...x)));
      expect(outcome.result.map((v: number) => Number(v.toFixed(4)))).toEqual(e.map((v) => Number((v / e.reduce((a, b) => a + b, 0)).toFixed(4))));
    }
    const pods = JSON.parse(await kubectl(['get', 'pods', '-l', 'jointinferenceservice.sedna.io/name=py-cloud', '-o', 'json'])).items;
    const cloud = pods.find((p: any) => p.metadata.labels['jointinferenceservice.sedna.io/worker-type'] === 'cloud');
    const env = Object.fromEntries(cloud.spec.containers[0].env.map((e: any) => [e.name, e.value]));
    expect(env['BIG_MODEL_BIND_IP']).toBe('127.0.0.1');
  }, 110_000);
});
