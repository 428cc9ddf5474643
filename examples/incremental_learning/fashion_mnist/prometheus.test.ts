/**
 * The metrics as a user meets them: Debian's real `prometheus` (on 127.0.0.1, a free port) runs with the
 * prometheus.yml that `sedna up` wrote, scrapes the API server, the GM, the LCs and, found by file-based discovery
 * as they come, the job's workers, while the example's incremental learning job runs a whole round. The figures
 * are read back through Prometheus' HTTP query API and compared with the job's status; every endpoint passes
 * `promtool check metrics`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readControlPlaneInfo } from '../../../packages/cli/src/paths.js';
import { sedna, waitFor } from '../../../packages/cli/test/harness.js';
import { type HttpAnswer, httpGet } from '../../common/prometheus-query.js';
import { promtoolCheck, startPrometheus, type PrometheusServer } from '../../common/prometheus-server.js';
import { type RoundFixture, startRoundFixture } from './round-fixture.js';

let f: RoundFixture;
let dataDir: string;
let prometheus: PrometheusServer | undefined;

/** `client`: a client certificate and key (node APIs serve TLS to the control plane's alone). */
function get(url: string, token?: string, ca?: string, client?: { cert: string; key: string }): Promise<HttpAnswer> {
  return httpGet(url, { headers: token ? { Authorization: `Bearer ${token}` } : {}, ...(ca ? { ca } : {}), ...(client ?? {}) });
}

const query = (promql: string) => prometheus!.query(promql);
const scalar = (promql: string) => prometheus!.scalar(promql);

beforeAll(async () => {
  f = await startRoundFixture('sedna-prom');
  dataDir = f.dataDir;
  // The written configuration unchanged, but for a scrape every second so that short stages are seen.
  prometheus = await startPrometheus(dataDir);
}, 240_000);

afterAll(async () => {
  prometheus?.stop();
  await f?.stop();
});

describe('Prometheus scraping sedna up with an incremental learning job', () => {
  it('sees the stages, the counters and every component, and promtool accepts every endpoint', async () => {
    await f.applyJob();
    f.startLabeller();
    const job = async () => JSON.parse((await sedna(['get', 'il', 'fashion-mnist-demo', '-o', 'json', '--data-dir', dataDir])).stdout) as { status?: { conditions?: { stage: string; type: string; data?: string }[] } };
    const conditions = await waitFor('a whole round', async () => {
      const c = (await job()).status?.conditions ?? [];
      const trail = c.map((x) => `${x.stage}/${x.type}`);
      return trail.includes('Deploy/Completed') && trail.at(-1) === 'Train/Waiting' ? c : undefined;
    }, 240_000);
    const il = 'kind="IncrementalLearningJob",name="fashion-mnist-demo"';

    // Every component is up, the LCs and the job's workers found by file-based discovery.
    await waitFor('every target up', async () => {
      const ups = await query('up');
      const byJob = (job: string) => ups.filter((s) => s.metric['job'] === job && s.value === 1).length;
      return byJob('sedna-apiserver') === 1 && byJob('sedna-gm') === 1 && byJob('sedna-lc') === 2 && byJob('sedna-workers') >= 1 ? true : undefined;
    }, 60_000);

    // The stage changes: the job is back at Train/Waiting now, and Train and Eval were seen running on the way.
    await waitFor('Train/Waiting scraped', async () => ((await scalar(`sedna_job_stage_condition{${il},stage="Train",condition="Waiting"}`)) === 1 ? true : undefined), 30_000);
    // Every transition, also those shorter than a scrape: the conditions counted by stage and type equal the job's.
    const counted = new Map<string, number>();
    for (const c of conditions) counted.set(`${c.stage}/${c.type}`, (counted.get(`${c.stage}/${c.type}`) ?? 0) + 1);
    await waitFor('the round\'s conditions scraped', async () => {
      const seen = await query(`sedna_job_stage_conditions{${il}}`);
      const scraped = new Map(seen.map((s) => [`${s.metric['stage']}/${s.metric['condition']}`, s.value]));
      return [...counted].every(([k, n]) => (scraped.get(k) ?? 0) >= n) ? scraped : undefined;
    }, 30_000);
    expect(counted.get('Deploy/Completed')).toBe(1);
    // Stages that last seconds were also seen as the current one on the way.
    const stagesSeen = (await query(`max_over_time(sedna_job_stage_condition{${il}}[10m])`)).map((s) => `${s.metric['stage']}/${s.metric['condition']}`);
    expect(stagesSeen).toEqual(expect.arrayContaining(['Train/Waiting', 'Train/Running']));

    // The figures equal the job's status: iteration 1, the train and eval sample counts of the round, deploy OK.
    const data = (stage: string) => JSON.parse(conditions.find((c) => c.stage === stage && c.type === 'Ready')!.data!) as { input: { numberOfSamples: number; round: number } };
    const ilName = 'namespace="default",name="fashion-mnist-demo"';
    expect(await scalar(`sedna_incremental_learning_iteration{${ilName}}`)).toBe(data('Train').input.round);
    expect(await scalar(`sedna_incremental_learning_train_samples{${ilName}}`)).toBe(data('Train').input.numberOfSamples);
    expect(await scalar(`sedna_incremental_learning_eval_samples{${ilName}}`)).toBe(data('Eval').input.numberOfSamples);
    expect(await scalar(`sedna_incremental_learning_deploy_status{${ilName},status="OK"}`)).toBe(1);
    expect((await query(`sedna_incremental_learning_eval_metric{${ilName}}`)).map((s) => s.metric['model'])).toEqual(expect.arrayContaining(['new', 'old']));
    // The inference worker's own counters, scraped through its LC.
    await waitFor('the inference worker counted', async () => ((await scalar(`sum(sedna_incremental_learning_inferences_total{${ilName}})`)) ?? 0) > 0 ? true : undefined, 30_000);
    expect(await scalar(`sum(sedna_incremental_learning_hard_samples_total{${ilName}})`)).toBeGreaterThan(0);
    // The dataset's sample count as its node counted it, and the control plane's own figures.
    expect(await scalar('sedna_dataset_samples{name="incremental-dataset"}')).toBeGreaterThan(0);
    expect(await scalar('sum(sedna_apiserver_requests_total{verb="patch"})')).toBeGreaterThan(0);
    expect(await scalar('sedna_gm_connected_nodes')).toBe(2);
    expect(await scalar('sum(sedna_lc_upstream_ack_latency_seconds_count)')).toBeGreaterThan(0);

    // Every stage transition is an Event of the job (kubectl get events tells its story).
    const events = JSON.parse((await sedna(['get', 'events', '--field-selector', 'involvedObject.name=fashion-mnist-demo', '-o', 'json', '--data-dir', dataDir])).stdout) as { items: { reason: string; type: string }[] };
    const reasons = new Set(events.items.map((e) => e.reason));
    for (const c of conditions) expect(reasons, `${c.stage}${c.type}`).toContain(`${c.stage}${c.type}`);

    // promtool check metrics on every endpoint.
    const info = readControlPlaneInfo(dataDir)!;
    const ca = readFileSync(info.caFile, 'utf8');
    const nodeToken = readFileSync(info.nodeTokenFile, 'utf8').trim();
    const pki = join(dataDir, 'apiserver', 'pki');
    const controlPlane = { cert: readFileSync(join(pki, 'control-plane-client.crt'), 'utf8'), key: readFileSync(join(pki, 'control-plane-client.key'), 'utf8') };
    const scrapeUrls = await prometheus!.activeTargets();
    expect(scrapeUrls.length).toBeGreaterThanOrEqual(5);
    for (const target of scrapeUrls) {
      const token = target.labels['job'] === 'sedna-apiserver' ? readFileSync(join(dataDir, 'apiserver', 'token'), 'utf8').trim() : nodeToken;
      const nodeApi = target.labels['job'] === 'sedna-lc' || target.labels['job'] === 'sedna-workers';
      const answer = nodeApi ? await get(target.scrapeUrl, undefined, ca, controlPlane) : await get(target.scrapeUrl, token, ca);
      // A worker that has ended (the eval worker of the finished round) may still be a target until the next
      // discovery; its node answers 503, as a kubelet's scrape of a gone pod fails. Only such a pod may.
      const pod = /\/pods\/[^/]+\/([^/]+)\/metrics$/.exec(new URL(target.scrapeUrl).pathname)?.[1];
      if (answer.status === 503 && target.labels['job'] === 'sedna-workers' && pod) {
        const phase = (JSON.parse((await sedna(['get', 'pod', pod, '-o', 'json', '--data-dir', dataDir])).stdout) as { status?: { phase?: string } }).status?.phase;
        expect(['Succeeded', 'Failed'], `${target.scrapeUrl} answered 503 while its pod is ${phase}`).toContain(phase);
        continue;
      }
      expect(answer.status, target.scrapeUrl).toBe(200);
      const checked = promtoolCheck(answer.body);
      expect(checked.ok, `${target.scrapeUrl}: ${checked.output}`).toBe(true);
    }
  }, 360_000);
});
