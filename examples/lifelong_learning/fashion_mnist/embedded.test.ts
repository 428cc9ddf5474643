/**
 * The example on the embedded control plane (`sedna up` with a cloud node and an edge node), on a slice: the LC on
 * the edge fires the train trigger and writes the round files, the GM runs the train and eval workers on the cloud
 * node against the control plane's knowledge base server, the LC deploys the index, the GM starts the inference
 * worker on the edge; the new site is found unseen, labelled into the dataset, which fires round 2 by itself. The
 * job's status.knowledgeBase is read with the real kubectl, and each task's metrics from the GM's /metrics.
 */
import { readFileSync } from 'node:fs';
import https from 'node:https';
import { join } from 'node:path';
import { parseExposition } from '@sedna/metrics';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { kubectlPath } from '../../../packages/apiserver/test/harness.js';
import { readControlPlaneInfo } from '../../../packages/cli/src/paths.js';
import { useSednaUp } from '../../common/sedna-up-fixture.js';
import { EXAMPLE_DIR } from './manifest.js';
import { INITIAL_SITES, NEW_SITE } from './sites.js';

/** The GM's /metrics, with the node token, as Prometheus scrapes it. */
function gmMetrics(dataDir: string): Promise<string> {
  const info = readControlPlaneInfo(dataDir)!;
  const token = readFileSync(info.nodeTokenFile, 'utf8').trim();
  return new Promise((resolve, reject) => {
    https
      .get(`https://${new URL(info.hubUrl).host}/metrics`, { headers: { Authorization: `Bearer ${token}` }, ca: readFileSync(info.caFile) }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`GM /metrics answered ${res.statusCode}`))));
      })
      .on('error', reject);
  });
}

const up = useSednaUp({ name: 'll', edgeNodes: 1, exampleDir: EXAMPLE_DIR });
const run = (command: string, args: string[]) => up.run(command, args);

describe('the lifelong learning example on sedna up', () => {
  it('runs initial training, detects the unseen site, learns it in the round its labels trigger, and shows the knowledge base', async () => {
    const kubectl = kubectlPath();
    const r = await run(process.execPath, [
      '--import', 'tsx', join(EXAMPLE_DIR, 'run.ts'),
      '--kubeconfig', up.handle.kubeconfig, '--kubectl', kubectl, '--keep', '--quiet',
      '--work-dir', up.workDir,
      '--train-per-site', '300', '--feed-per-site', '40', '--new-site-feed', '400', '--test-per-site', '200',
      // 400 labelled new-site samples give 320 train samples (trainProb 0.8): the YAML's 400 would wait for more
      '--train-threshold', '200',
      '--timeout', '240',
    ]);
    expect(r.status, r.out).toBe(0);
    expect(r.out).toMatch(/Unseen detection in the round-1 feed: new-site recall 1\.000/);
    expect(r.out).toContain("The job's status.knowledgeBase (kubectl get ll -o yaml):");

    const got = await run(kubectl, ['--kubeconfig', up.handle.kubeconfig, 'get', 'll', 'fashion-mnist-lifelong-demo', '-o', 'yaml']);
    expect(got.status, got.out).toBe(0);
    const job = parse(got.out);
    const history = job.status.conditions.map((c: any) => `${c.stage}/${c.type}`);
    expect(history.filter((h: string) => h === 'Deploy/Completed')).toHaveLength(2);
    expect(history.filter((h: string) => h.endsWith('/Failed'))).toEqual([]);
    const kb = job.status.knowledgeBase;
    expect(kb.AIModels.numberOfAIModels).toBeGreaterThanOrEqual(4);
    expect(kb.AIModels.listOfAIModels.map((m: any) => m.modelID)).toEqual(expect.arrayContaining([...INITIAL_SITES, NEW_SITE]));
    expect(kb.AIClasses.numberOfAIClasses).toBe(10);
    expect(kb.samples.numberOfLabeledUnseenSample).toBeGreaterThanOrEqual(320);

    // Per-task metrics: the GM serves each task's figures from the job's last train or eval report, the same the
    // status summarises (train samples and precision per model).
    const perTask = parseExposition(await gmMetrics(up.dataDir)).samples.filter((s) => s.name === 'sedna_lifelong_learning_task_metric' && s.labels['name'] === 'fashion-mnist-lifelong-demo');
    const figure = (task: string, metric: string) => perTask.find((s) => s.labels['task'] === task && s.labels['metric'] === metric)?.value;
    for (const model of kb.AIModels.listOfAIModels) {
      expect(figure(model.modelID, 'samples'), model.modelID).toBe(model.numberOfTrainSamples);
      if (figure(model.modelID, 'precision') !== undefined) expect(figure(model.modelID, 'precision')).toBeCloseTo(model.averagePrecision, 6);
    }
    expect(figure(NEW_SITE, 'test_samples')).toBeGreaterThanOrEqual(0);

    const pods = parse((await run(kubectl, ['--kubeconfig', up.handle.kubeconfig, 'get', 'pods', '-l', 'lifelonglearningjob.sedna.io/name=fashion-mnist-lifelong-demo', '-o', 'yaml'])).out).items;
    const nodesOf = (type: string): string[] => [...new Set<string>(pods.filter((p: any) => p.metadata.labels['lifelonglearningjob.sedna.io/worker-type'] === type).map((p: any) => p.spec.nodeName))];
    expect(nodesOf('train')).toEqual(['cloud-node']);
    expect(nodesOf('eval')).toEqual(['cloud-node']);
    expect(nodesOf('inference')).toEqual(['edge-node-1']);
  }, 360_000);
});
