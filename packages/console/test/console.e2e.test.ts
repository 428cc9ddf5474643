/**
 * The web console end to end, as a user meets it: `sedna up` (a cloud node and an edge node) serving the console,
 * Debian's chromium driving it. Log in with the API token; compose a joint inference job in the composer, apply
 * it and watch it reach Running; search a worker's logs; open an incremental learning job and see its stage change
 * live when its dataset grows; edit a Dataset's YAML with a deliberate error and see the field named; import a
 * ModelBox graph and export it. Screenshots of each page go to packages/console/test-output/screenshots.
 */
import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { up, type UpHandle } from '../../cli/src/commands/up.js';
import { readControlPlaneInfo } from '../../cli/src/paths.js';
import { ensureBuilt, repoRoot, sedna } from '../../cli/test/harness.js';
import { stopControlPlaneAndPods } from '../../cli/test/pod-processes.js';
import { chromiumMissing, openBrowser, type BrowserHandle } from './browser.js';
import { cloudWorker, edgeWorker, killWorkersOf } from './stand-ins.js';

let handle: UpHandle;
let dataDir: string;
let workDir: string;
let consoleUrl: string;
let token: string;
let b: BrowserHandle;

async function apply(yaml: string): Promise<void> {
  const r = await sedna(['apply', '-f', '-', '--data-dir', dataDir], yaml);
  if (r.status !== 0) throw new Error(r.stderr);
}

beforeAll(async () => {
  if (chromiumMissing) return;
  ensureBuilt();
  execFileSync(process.execPath, [join(repoRoot, 'packages/console/scripts/build-web.mjs')], { stdio: 'inherit' });
  dataDir = mkdtempSync(join(tmpdir(), 'sedna-console-'));
  workDir = mkdtempSync(join(tmpdir(), 'sedna-console-work-'));
  writeFileSync(join(workDir, 'edge.js'), edgeWorker);
  writeFileSync(join(workDir, 'cloud.js'), cloudWorker);
  handle = await up({ dataDir, edgeNodes: 1, apiPort: 0, hubPort: 0, datasetRoots: [workDir], log: () => undefined });
  consoleUrl = readControlPlaneInfo(dataDir)!.consoleUrl!;
  token = readFileSync(join(dataDir, 'apiserver', 'token'), 'utf8').trim();
  b = await openBrowser();
}, 300_000);

afterAll(async () => {
  await b?.close();
  await stopControlPlaneAndPods(dataDir, () => handle?.stop());
  for (const dir of [workDir, dataDir]) if (dir) killWorkersOf(dir);
  for (const dir of [dataDir, workDir]) if (dir) rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(chromiumMissing)('the web console', () => {
  it('refuses a wrong token, logs in with the API token and shows the nodes Ready, and follows a list of 1,000 objects', async () => {
    const { page } = b;
    await page.goto(consoleUrl);
    await page.getByTestId('login-token').waitFor();
    // Figures for the report, not assertions (tests never assert timings).
    // (Browser-side code as text: the tests' type check has no DOM types.)
    const navigation = await page.evaluate(`(() => {
      const n = performance.getEntriesByType('navigation')[0];
      return { domContentLoaded: Math.round(n.domContentLoadedEventEnd), load: Math.round(n.loadEventEnd), transferKB: Math.round(n.transferSize / 1024) };
    })()`);
    console.log(`[figures] first page (login): ${JSON.stringify(navigation)} ms`);
    await page.getByTestId('login-token').fill('not-the-token');
    await page.getByTestId('login-submit').click();
    await page.getByTestId('login-error').waitFor();
    await b.screenshot('01-login');
    // The refused token's 401 is the only error the page may log.
    expect(b.errors).toHaveLength(1);
    b.errors.length = 0;
    await page.getByTestId('login-token').fill(token);
    await page.getByTestId('login-submit').click();
    const nodes = page.getByTestId('nodes-table');
    await nodes.getByText('edge-node-1').waitFor();
    await expect.poll(async () => nodes.locator('tbody').getByText('Ready', { exact: true }).count(), { timeout: 30_000 }).toBe(2);
    await b.screenshot('02-overview');
    // A change in the API to the screen: a Model created by a request, timed in the page until its row shows.
    const shownMs = await page.evaluate<number>(`(async () => {
      const seen = new Promise((resolve) => {
        const observer = new MutationObserver(() => {
          if (document.querySelector('[data-testid="models-table"]')?.textContent?.includes('timing-model')) {
            observer.disconnect();
            resolve(performance.now());
          }
        });
        observer.observe(document.body, { subtree: true, childList: true, characterData: true });
      });
      const res = await fetch('/apis/sedna.io/v1alpha1/namespaces/default/models', { method: 'POST', headers: { Authorization: 'Bearer ${token}', 'Content-Type': 'application/json' }, body: JSON.stringify({ apiVersion: 'sedna.io/v1alpha1', kind: 'Model', metadata: { name: 'timing-model' }, spec: { url: '/m.onnx', format: 'onnx' } }) });
      const created = performance.now();
      if (!res.ok) throw new Error(await res.text());
      return (await seen) - created;
    })()`);
    console.log(`[figures] a Model created through the API shown on the overview ${Math.round(shownMs)} ms after the API answered`);
    // A list of 1,000 objects: made through the API, then one more change timed to the screen as above.
    await page.evaluate(`(async () => {
      for (let i = 0; i < 1000; i += 50) {
        await Promise.all(Array.from({ length: 50 }, (_, k) => fetch('/apis/sedna.io/v1alpha1/namespaces/default/models', { method: 'POST', headers: { Authorization: 'Bearer ${token}', 'Content-Type': 'application/json' }, body: JSON.stringify({ apiVersion: 'sedna.io/v1alpha1', kind: 'Model', metadata: { name: 'bulk-' + (i + k) }, spec: { url: '/m.onnx', format: 'onnx' } }) })));
      }
    })()`);
    await expect.poll(() => page.getByTestId('models-title').textContent(), { timeout: 60_000 }).toBe('Models (1001)');
    const changeWith1000Ms = await page.evaluate<number>(`(async () => {
      const seen = new Promise((resolve) => {
        const observer = new MutationObserver(() => {
          if (document.querySelector('[data-testid="models-title"]')?.textContent === 'Models (1002)') {
            observer.disconnect();
            resolve(performance.now());
          }
        });
        observer.observe(document.body, { subtree: true, childList: true, characterData: true });
      });
      const res = await fetch('/apis/sedna.io/v1alpha1/namespaces/default/models', { method: 'POST', headers: { Authorization: 'Bearer ${token}', 'Content-Type': 'application/json' }, body: JSON.stringify({ apiVersion: 'sedna.io/v1alpha1', kind: 'Model', metadata: { name: 'one-more' }, spec: { url: '/m.onnx', format: 'onnx' } }) });
      const created = performance.now();
      if (!res.ok) throw new Error(await res.text());
      return (await seen) - created;
    })()`);
    console.log(`[figures] with 1,001 Models listed, one more shown ${Math.round(changeWith1000Ms)} ms after the API answered`);
    await page.evaluate(`fetch('/apis/sedna.io/v1alpha1/namespaces/default/models', { method: 'DELETE', headers: { Authorization: 'Bearer ${token}' } }).then((r) => r.text())`);
    await expect.poll(() => page.getByTestId('models-title').textContent(), { timeout: 60_000 }).toBe('Models (0)');
  }, 150_000);

  it('composes a joint inference job, applies it and watches it reach Running, then searches its edge worker logs', async () => {
    await apply(`apiVersion: sedna.io/v1alpha1
kind: Model
metadata: {name: big}
spec: {url: /models/big.onnx, format: onnx}
---
apiVersion: sedna.io/v1alpha1
kind: Model
metadata: {name: little}
spec: {url: /models/little.onnx, format: onnx}
`);
    const { page } = b;
    await page.getByTestId('nav-composer').click();
    await page.getByTestId('job-name').fill('ji-composed');
    const addUnit = async (type: string) => page.getByTestId(`add-${type}`).click();
    const set = async (field: string, value: string) => page.getByTestId('inspector').getByTestId(`field-${field}`).fill(value);
    const connect = async (output: string, target: string) => {
      await page.getByTestId('connect-output').selectOption(output);
      await page.getByTestId('connect-target').selectOption(target);
      await page.getByTestId('connect-button').click();
    };
    const select = async (id: string) => page.getByTestId(`unit-${id}`).click();
    await addUnit('model');
    await set('model', 'little');
    await addUnit('model');
    await set('model', 'big');
    await addUnit('edge_inference');
    await set('node', 'edge-node-1');
    await set('command', `node ${join(workDir, 'edge.js')}`);
    await addUnit('hard_example_mining');
    await addUnit('cloud_inference');
    await set('node', 'cloud-node');
    await set('command', `node ${join(workDir, 'cloud.js')}`);
    // Before the connections the checks name what is missing.
    await expect.poll(() => page.getByTestId('graph-problems').textContent()).toContain('input model (model) is not connected');
    await page.getByTestId('arrange').click();
    await select('model-1');
    await connect('model', 'edge-inference-1:model');
    await select('model-2');
    await connect('model', 'cloud-inference-1:model');
    await select('edge-inference-1');
    await connect('inference', 'hard-example-mining-1:inference');
    await select('hard-example-mining-1');
    await connect('hard', 'cloud-inference-1:hard');
    await expect.poll(() => page.getByTestId('graph-problems').locator('li').count()).toBe(0);
    await page.getByTestId('arrange').click();
    await page.getByTestId('compile').click();
    await page.getByTestId('yaml-editor').getByText('JointInferenceService').waitFor();
    await b.screenshot('03-composer');
    await page.getByTestId('yaml-apply').click();
    // Applying opens the job's page, which follows it live.
    await page.getByTestId('job-phase').waitFor();
    await expect.poll(() => page.getByTestId('job-phase').textContent(), { timeout: 60_000 }).toBe('Running');
    await expect.poll(() => page.getByTestId('workers-table').getByText('Running').count(), { timeout: 60_000 }).toBe(2);
    await page.getByTestId('figures').getByText('uploadCloudRatio').waitFor({ timeout: 30_000 });
    // The logs of the edge worker, searched.
    await page.getByTestId('log-pod').click();
    await page.getByRole('option', { name: /-edge-/ }).click();
    await page.getByTestId('log-view').getByText('cloud said: big model here').waitFor({ timeout: 30_000 });
    await page.getByTestId('log-search').fill('cloud said');
    await expect.poll(() => page.getByTestId('log-count').textContent()).toMatch(/^1 of \d+ lines match$/);
    await expect.poll(() => page.getByTestId('log-view').locator('mark').count()).toBe(1);
    await b.screenshot('04-joint-inference-job');
    // Restart the edge worker (with confirmation): its pod is replaced and the new one runs. Worker names are
    // deterministic (the replacement keeps the name), so the replacement is told apart by its uid.
    const edgeRow = page.getByTestId('workers-table').locator('tr', { hasText: '-edge-' });
    const edgePod = (await edgeRow.locator('td').first().textContent())!.trim();
    const uidOf = async (): Promise<string | undefined> => {
      const r = await sedna(['get', 'pod', edgePod, '-o', 'json', '--data-dir', dataDir]);
      return r.status === 0 ? (JSON.parse(r.stdout) as { metadata: { uid: string } }).metadata.uid : undefined;
    };
    const before = await uidOf();
    expect(before).toBeDefined();
    await edgeRow.getByRole('button', { name: 'Restart' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Restart' }).click();
    await expect.poll(async () => {
      const uid = await uidOf();
      const row = page.getByTestId('workers-table').locator('tr', { hasText: '-edge-' });
      return uid !== undefined && uid !== before && (await row.count()) === 1 ? row.getByText('Running').count() : 0;
    }, { timeout: 60_000 }).toBe(1);
  }, 120_000);

  it('shows an incremental learning job change stage live when its dataset grows', async () => {
    const data = join(workDir, 'il-data.txt');
    writeFileSync(data, 'a.png 0\n');
    const sh = (text: string) => JSON.stringify(['/bin/sh', '-c', text]);
    await apply(`apiVersion: sedna.io/v1alpha1
kind: Dataset
metadata: {name: il-data}
spec: {url: "${data}", format: txt, nodeName: edge-node-1}
---
apiVersion: sedna.io/v1alpha1
kind: Model
metadata: {name: il-model}
spec: {url: ${join(workDir, 'model.json')}, format: tfjs}
---
apiVersion: sedna.io/v1alpha1
kind: IncrementalLearningJob
metadata: {name: il-live}
spec:
  initialModel: {name: il-model}
  dataset: {name: il-data, trainProb: 0.8}
  trainSpec:
    template: {spec: {nodeName: edge-node-1, containers: [{name: train, image: x, command: ${sh('echo training; sleep 600')}}]}}
    trigger: {checkPeriodSeconds: 60, condition: {operator: ">", threshold: 5, metric: num_of_samples}}
  evalSpec:
    template: {spec: {nodeName: edge-node-1, containers: [{name: eval, image: x, command: ${sh('sleep 600')}}]}}
  deploySpec:
    model: {name: il-model}
    trigger: {condition: {operator: ">", threshold: 0.1, metric: accuracy_delta}}
    hardExampleMining: {name: IBT}
    template: {spec: {nodeName: edge-node-1, containers: [{name: infer, image: x, command: ${sh('echo inferring; sleep 600')}}]}}
  outputDir: ${join(workDir, 'il-out')}
`);
    const { page } = b;
    await page.getByTestId('nav-overview').click();
    await page.getByTestId('job-link-il-live').click();
    const stage = page.getByTestId('current-stage');
    await expect.poll(() => stage.textContent(), { timeout: 30_000 }).toBe('Train · Waiting');
    await b.screenshot('05-incremental-learning-waiting');
    // More samples than the trigger's threshold: the LC starts training; the page follows without a reload.
    appendFileSync(data, Array.from({ length: 10 }, (_, i) => `s${i}.png 1\n`).join(''));
    await expect.poll(() => stage.textContent(), { timeout: 60_000 }).toMatch(/^Train · (Starting|Running)$/);
    await expect.poll(() => stage.textContent(), { timeout: 60_000 }).toBe('Train · Running');
    await b.screenshot('06-incremental-learning-training');
    // Deleting asks first, then the overview no longer lists the job.
    await page.getByTestId('delete-job').click();
    await page.getByTestId('delete-job-confirm').click();
    await page.getByTestId('nodes-table').waitFor();
    await expect.poll(() => page.getByTestId('job-link-il-live').count(), { timeout: 30_000 }).toBe(0);
  }, 150_000);

  it("edits a Dataset's YAML, and a deliberate error is refused with the field named", async () => {
    const { page } = b;
    await page.goto(`${consoleUrl}yaml/datasets/default/il-data`);
    const editor = page.getByTestId('yaml-editor');
    await editor.getByText('format: txt').waitFor();
    const text = await page.locator('.cm-content').innerText();
    await page.locator('.cm-content').click();
    await page.keyboard.press('Control+A');
    await page.keyboard.insertText(text.replace('format: txt', 'formt: txt'));
    await page.getByTestId('yaml-validate').click();
    const problems = page.getByTestId('yaml-problems');
    await problems.waitFor();
    expect(await problems.textContent()).toContain('spec.formt');
    // The field is marked in the editor, at its line.
    await expect.poll(() => page.locator('.cm-lintRange-error').first().textContent()).toContain('formt');
    await b.screenshot('07-yaml-error');
    // The server's 400 to the dry run is the one error the browser logs here (it logs every failed request).
    expect(b.errors.filter((e) => !e.includes('dryRun=All'))).toEqual([]);
    b.errors.length = 0;
    // Nothing was stored: the Dataset keeps its format.
    const stored = await sedna(['get', 'dataset', 'il-data', '-o', 'json', '--data-dir', dataDir]);
    expect(JSON.parse(stored.stdout).spec.format).toBe('txt');
  }, 60_000);

  it('imports a ModelBox graph (TOML with its Graphviz graphconf) and exports it again', async () => {
    const { page } = b;
    await page.getByTestId('nav-composer').click();
    const graphFile = join(repoRoot, 'examples/flow/joint_inference/graph.toml');
    const chooser = page.waitForEvent('filechooser');
    await page.getByTestId('import-graph').click();
    await (await chooser).setFiles(graphFile);
    await expect.poll(() => page.getByTestId('composer-message').textContent()).toContain('9 units, 9 connections');
    // The built-in units' ports come from the control plane's catalogue: mining has its hard and easy outputs.
    await page.getByTestId('unit-mining').getByText('hard', { exact: true }).waitFor();
    await b.screenshot('08-modelbox-import');
    const download = page.waitForEvent('download');
    await page.getByTestId('export-graph').click();
    const exported = readFileSync(await (await download).path(), 'utf8');
    expect(exported).toContain('format = "graphviz"');
    expect(exported).toContain('mining:hard -> cloud:in_inference');
    expect(exported).toContain('mining[type=flowunit, flowunit=hard_example_mining, device=cpu]');
  }, 60_000);

  it('had no console errors on any page', () => {
    expect(b.errors).toEqual([]);
  });
});
