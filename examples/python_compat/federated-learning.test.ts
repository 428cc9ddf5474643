/**
 * Federated learning between this control plane and workers of the original Python lib, both ways, on `sedna up`:
 * - training workers of the original's shape (JSON messages, reports with ownerKind "default") with this lib's
 *   aggregator and a Model whose url is a folder the trainers create, as in the original example: the job
 *   succeeds, the aggregated model is written inside the folder, and the trainers' reports reach the job;
 * - this lib's training workers with an aggregator of the original's shape and no option set: they ask it which wire
 *   it speaks and finish the job; it binds the AGG_BIND_IP the GM gives.
 */
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { waitFor as until } from '../../packages/cli/test/harness.js';
import { useSednaUp } from '../common/sedna-up-fixture.js';
import { kubectl as runKubectl } from './harness.js';
import { COMPAT_DIR, federatedLearningYaml, python, typescript } from './manifests.js';

const up = useSednaUp({ name: 'pycompat-fl', edgeNodes: 1, exampleDir: COMPAT_DIR });
const NODES = ['edge-node-1', 'cloud-node'];

const kubectl = (args: string[], manifest?: string): Promise<string> => runKubectl(up, args, manifest);

/** Lines of "x1,x2,x3,y" with y = x.(1, -2, 0.5) + 0.3. */
function dataFile(name: string, n: number, seed: number): string {
  const file = join(up.workDir, name);
  let state = seed;
  const next = (): number => ((state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1;
  const lines = Array.from({ length: n }, () => {
    const x = [next(), next(), next()];
    return [...x, x[0]! - 2 * x[1]! + 0.5 * x[2]! + 0.3].map((v) => v.toFixed(5)).join(',');
  });
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

async function finished(name: string): Promise<any> {
  return until(`FederatedLearningJob ${name} to finish`, async () => {
    const job = JSON.parse(await kubectl(['get', 'federatedlearningjob', name, '-o', 'json']));
    return job.status?.phase === 'Succeeded' || job.status?.phase === 'Failed' ? job : undefined;
  }, 90_000);
}

async function logsOf(name: string): Promise<string> {
  const pods = JSON.parse(await kubectl(['get', 'pods', '-l', `federatedlearningjob.sedna.io/name=${name}`, '-o', 'json'])).items;
  const out: string[] = [];
  for (const pod of pods) out.push(`--- ${pod.metadata.name}\n${await kubectl(['logs', pod.metadata.name]).catch((e: Error) => e.message)}`);
  return out.join('\n');
}

describe('federated learning with workers of the original Python lib', () => {
  it("original trainers with this lib's aggregator and MODEL_URL a folder: the job succeeds and the model is in the folder", async () => {
    const modelFolder = join(up.workDir, 'model'); // not there: the trainers create it, as the original's do
    const trainers = [1, 2].map((i) => ({ dataset: `py-data-${i}`, node: NODES[i - 1]!, worker: python('original_fl_trainer.py', { DATA_FILE: dataFile(`py-${i}.csv`, 40 + 20 * i, i) }) }));
    // The original lib's trainers send no credential (its AggregationClient has no such setting): the job opens its
    // aggregator to them with AGG_AUTH=none. Without it they are refused (the last test).
    await kubectl(['apply'], federatedLearningYaml('py-trainers', modelFolder, typescript('ts_aggregator.ts', { exit_round: '3', AGG_AUTH: 'none' }), trainers));
    const job = await finished('py-trainers');
    const logs = await logsOf('py-trainers');
    expect(job.status.phase, logs).toBe('Succeeded');
    // The trainers' reports (ownerKind "default", which the original LC dropped) are taken at once, each round.
    expect(logs.match(/reported running to the LC: \{'Status': 200, 'Message': 'OK'\}/g)).toHaveLength(4);
    expect(logs.match(/reported completed to the LC: \{'Status': 200, 'Message': 'OK'\}/g)).toHaveLength(2);
    expect(logs).not.toContain('invalid status code');
    const rounds = job.status.conditions.filter((c: any) => c.type === 'Training').map((c: any) => c.message);
    expect(rounds.length).toBeGreaterThanOrEqual(3);
    // The aggregator wrote inside the folder; the trainers saved theirs there under MODEL_NAME.
    expect(readdirSync(modelFolder).sort()).toEqual(['model', 'py-trainers-model']);
  }, 115_000);

  it("this lib's trainers finish a job with an aggregator of the original's shape, with no option set", async () => {
    const trainers = [1, 2].map((i) => ({ dataset: `ts-data-${i}`, node: NODES[i - 1]!, worker: typescript('ts_fl_trainer.ts', { DATA_FILE: dataFile(`ts-${i}.csv`, 30, 10 + i) }) }));
    await kubectl(['apply'], federatedLearningYaml('py-aggregator', join(up.workDir, 'py-agg-model'), python('original_fl_aggregator.py', { exit_round: '2' }), trainers));
    const job = await finished('py-aggregator');
    const logs = await logsOf('py-aggregator');
    expect(job.status.phase, logs).toBe('Succeeded');
    expect(logs).toContain("speaks the original lib's JSON messages");
    expect(logs).toMatch(/trainer: 2 round\(s\)/);
    expect(logs).toContain('round 2 aggregated');
    expect(existsSync(join(up.workDir, 'py-agg-model'))).toBe(false); // the original's aggregator writes no model
    const pods = JSON.parse(await kubectl(['get', 'pods', '-l', 'federatedlearningjob.sedna.io/name=py-aggregator', '-o', 'json'])).items;
    const aggregator = pods.find((p: any) => p.metadata.labels['federatedlearningjob.sedna.io/worker-type'] === 'aggregation');
    expect(aggregator.spec.containers[0].env).toContainEqual({ name: 'AGG_BIND_IP', value: '127.0.0.1' });
  }, 115_000);

  it("refuses the original lib's trainers, which send no job credential, unless the job sets AGG_AUTH=none", async () => {
    const trainers = [{ dataset: 'py-noauth-data', node: NODES[0]!, worker: python('original_fl_trainer.py', { DATA_FILE: dataFile('py-noauth.csv', 30, 7) }) }];
    await kubectl(['apply'], federatedLearningYaml('py-noauth', join(up.workDir, 'noauth-model'), typescript('ts_aggregator.ts', { exit_round: '1' }), trainers));
    const logs = await until('the aggregator to refuse the trainer', async () => {
      const text = await logsOf('py-noauth');
      return /refused a caller from 127\.0\.0\.1 .*SEDNA_JOB_CREDENTIAL/.test(text) && /HTTP 401/.test(text) ? text : undefined;
    }, 60_000);
    expect(logs).not.toContain('round 1 aggregated');
    await kubectl(['delete', 'federatedlearningjob', 'py-noauth']);
  }, 90_000);
});
