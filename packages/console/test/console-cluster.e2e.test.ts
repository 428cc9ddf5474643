/**
 * The web console as it runs beside the GM on a cluster, with Prometheus, on a tablet: `sedna up` stands in for the
 * cluster (the console server knows only its kubeconfig's URL and CA), Debian's real `prometheus` scrapes what
 * `sedna up`'s prometheus.yml names, and `sedna console --kubeconfig ... --prometheus-url ...` serves the page.
 * Debian's chromium at a tablet's viewport (820x1180, portrait) logs in there, sees the nodes, follows a joint
 * inference service to Running and sees its figures and its workers charted from Prometheus; the pages fit the
 * tablet's width; a multi-edge VideoAnalyticsJob's camera is charted per camera (frame rate, frames and detections)
 * from Prometheus; a multi-edge object tracking service composed there compiles to YAML the server accepts.
 * Screenshots in packages/console/test-output/screenshots (tablet-*).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import https from 'node:https';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { up, type UpHandle } from '../../cli/src/commands/up.js';
import { readControlPlaneInfo } from '../../cli/src/paths.js';
import { cliMain, ensureBuilt, repoRoot, sedna, waitFor } from '../../cli/test/harness.js';
import { stopControlPlaneAndPods } from '../../cli/test/pod-processes.js';
import { freePort } from '../../../examples/common/worker-process.js';
import { chromiumMissing, openBrowser, type BrowserHandle } from './browser.js';
import { cameraWorker, cloudWorker, edgeWorker, killWorkersOf, standInJointInferenceYaml } from './stand-ins.js';

const PROMETHEUS = '/usr/bin/prometheus';
const TABLET = { width: 820, height: 1180 };

let handle: UpHandle;
let dataDir: string;
let workDir: string;
let promDir: string;
let prometheus: ChildProcess | undefined;
let consoleServer: ChildProcess | undefined;
let consoleUrl: string;
let token: string;
let b: BrowserHandle;

async function httpGet(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  const res = await fetch(url, { headers });
  return { status: res.status, body: await res.text() };
}

beforeAll(async () => {
  if (chromiumMissing || !existsSync(PROMETHEUS)) return;
  ensureBuilt();
  execFileSync(process.execPath, [join(repoRoot, 'packages/console/scripts/build-web.mjs')], { stdio: 'inherit' });
  dataDir = mkdtempSync(join(tmpdir(), 'sedna-console-cluster-'));
  workDir = mkdtempSync(join(tmpdir(), 'sedna-console-cluster-work-'));
  promDir = mkdtempSync(join(tmpdir(), 'sedna-console-prom-'));
  writeFileSync(join(workDir, 'edge.js'), edgeWorker);
  writeFileSync(join(workDir, 'cloud.js'), cloudWorker);
  writeFileSync(join(workDir, 'camera.mjs'), cameraWorker(join(repoRoot, 'packages/lib/dist/metrics/index.js')));
  // Prometheus' port first: the control plane is told where it will be, then it starts with the written config.
  const promPort = await freePort();
  const prometheusUrl = `http://127.0.0.1:${promPort}`;
  handle = await up({ dataDir, edgeNodes: 1, apiPort: 0, hubPort: 0, datasetRoots: [workDir], prometheusUrl: new URL(prometheusUrl), log: () => undefined });
  token = readFileSync(join(dataDir, 'apiserver', 'token'), 'utf8').trim();
  const info = readControlPlaneInfo(dataDir)!;
  // The written configuration unchanged, but for a scrape every second (a short test sees several).
  const config = readFileSync(info.prometheusConfig!, 'utf8').replaceAll('5s', '1s');
  writeFileSync(join(promDir, 'prometheus.yml'), config);
  prometheus = spawn(PROMETHEUS, [`--config.file=${join(promDir, 'prometheus.yml')}`, `--web.listen-address=127.0.0.1:${promPort}`, `--storage.tsdb.path=${join(promDir, 'data')}`], { stdio: 'ignore' });
  await waitFor('prometheus ready', async () => ((await httpGet(`${prometheusUrl}/-/ready`).catch(() => ({ status: 0 }))).status === 200 ? true : undefined), 60_000);
  // The console beside the "cluster": only the kubeconfig's server and CA, the user's token for everything.
  const ready = join(promDir, 'console-ready.json');
  consoleServer = spawn(process.execPath, [cliMain, 'console', '--kubeconfig', handle.kubeconfig, '--listen', '127.0.0.1:0', '--prometheus-url', prometheusUrl, '--ready-file', ready], { stdio: ['ignore', 'ignore', 'inherit'] });
  consoleUrl = await waitFor('sedna console serving', () => (existsSync(ready) ? (JSON.parse(readFileSync(ready, 'utf8')) as { url: string }).url : undefined), 30_000);
  b = await openBrowser(TABLET);
}, 300_000);

afterAll(async () => {
  await b?.close();
  consoleServer?.kill();
  prometheus?.kill();
  await stopControlPlaneAndPods(dataDir, () => handle?.stop());
  for (const dir of [workDir, dataDir]) if (dir) killWorkersOf(dir);
  for (const dir of [dataDir, workDir, promDir]) if (dir) rmSync(dir, { recursive: true, force: true });
});

/** No part of the page wider than the viewport: nothing to scroll sideways on a tablet. */
async function fitsWidth(): Promise<boolean> {
  return b.page.evaluate<boolean>('document.documentElement.scrollWidth <= window.innerWidth');
}

describe.skipIf(chromiumMissing || !existsSync(PROMETHEUS))('the web console beside the GM, with Prometheus, on a tablet', () => {
  it('the embedded control plane also offers its Prometheus to the console', async () => {
    const info = readControlPlaneInfo(dataDir)!;
    const answer = await new Promise<string>((resolve, reject) => {
      https.get(`${info.apiUrl}/sedna/console/config`, { ca: readFileSync(info.caFile), headers: { Authorization: `Bearer ${token}` } }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve(body));
      }).on('error', reject);
    });
    expect(JSON.parse(answer)).toEqual({ prometheus: true });
  });

  it('logs in through sedna console and shows the nodes Ready, fitting a tablet', async () => {
    const { page } = b;
    await page.goto(consoleUrl);
    await page.getByTestId('login-token').fill('not-the-token');
    await page.getByTestId('login-submit').click();
    await page.getByTestId('login-error').waitFor();
    // The refused token's 401 is the only error the page may log.
    expect(b.errors).toHaveLength(1);
    b.errors.length = 0;
    await page.getByTestId('login-token').fill(token);
    await page.getByTestId('login-submit').click();
    const nodes = page.getByTestId('nodes-table');
    await nodes.getByText('edge-node-1').waitFor();
    await expect.poll(async () => nodes.locator('tbody').getByText('Ready', { exact: true }).count(), { timeout: 30_000 }).toBe(2);
    expect(await fitsWidth()).toBe(true);
    await b.screenshot('tablet-01-overview');
  }, 60_000);

  it('follows a joint inference service to Running and charts its figures and workers from Prometheus', async () => {
    const apply = await sedna(['apply', '-f', '-', '--data-dir', dataDir], standInJointInferenceYaml('ji-charted', workDir));
    expect(apply.stderr).toBe('');
    const { page } = b;
    // The service shows up on the overview through the watch sedna console multiplexes over the API's watches.
    await page.getByTestId('job-link-ji-charted').click();
    await expect.poll(() => page.getByTestId('job-phase').textContent(), { timeout: 60_000 }).toBe('Running');
    await expect.poll(() => page.getByTestId('workers-table').getByText('Running').count(), { timeout: 60_000 }).toBe(2);
    await expect.poll(() => page.getByTestId('chart-source').textContent()).toContain('Prometheus');
    // The edge worker's counters, scraped through its LC, charted as a rate; the GM's restarts of each worker.
    const points = (chart: string) => page.getByTestId(`prom-chart-${chart}`).getAttribute('data-points').then(Number);
    await expect.poll(() => points('inferences-per-second'), { timeout: 90_000 }).toBeGreaterThan(0);
    await expect.poll(() => points('worker-restarts'), { timeout: 60_000 }).toBeGreaterThan(0);
    await page.getByTestId('prom-chart-inferences-per-second').locator('canvas').first().waitFor();
    expect(await fitsWidth()).toBe(true);
    await page.getByTestId('prometheus-charts').scrollIntoViewIfNeeded();
    await b.screenshot('tablet-02-joint-inference-prometheus');
  }, 240_000);

  it("charts a multi-edge camera's frame rate, frames and detections from Prometheus", async () => {
    const apply = await sedna(['apply', '-f', '-', '--data-dir', dataDir], `apiVersion: sedna.io/v1alpha1
kind: Model
metadata: {name: detector}
spec: {url: /models/detector.json, format: json}
---
apiVersion: sedna.io/v1alpha1
kind: VideoAnalyticsJob
metadata: {name: street-camera}
spec:
  model: {name: detector}
  template:
    spec:
      nodeName: edge-node-1
      containers:
      - name: detection
        image: x
        command: ["node", "${join(workDir, 'camera.mjs')}"]
        env: [{name: video_id, value: camera-a}]
`);
    expect(apply.stderr).toBe('');
    const { page } = b;
    await page.getByTestId('nav-overview').click();
    await page.getByTestId('job-link-street-camera').click();
    await expect.poll(() => page.getByTestId('job-phase').textContent(), { timeout: 60_000 }).toBe('Running');
    await expect.poll(() => page.getByTestId('chart-source').textContent()).toContain('Prometheus');
    // The camera's own figures, scraped through its LC: its frame rate (a line for camera-a), frames and detections.
    const chart = (name: string) => page.getByTestId(`prom-chart-${name}`);
    const points = (name: string) => chart(name).getAttribute('data-points').then(Number);
    await expect.poll(() => points('camera-frames-per-second'), { timeout: 90_000 }).toBeGreaterThan(0);
    await expect.poll(() => chart('camera-frames-per-second').textContent()).toContain('camera-a');
    await expect.poll(() => points('frames-detections-drops-per-second'), { timeout: 90_000 }).toBeGreaterThan(0);
    await chart('camera-frames-per-second').locator('canvas').first().waitFor();
    await chart('frames-detections-drops-per-second').locator('canvas').first().waitFor();
    expect(await fitsWidth()).toBe(true);
    await chart('camera-frames-per-second').scrollIntoViewIfNeeded();
    await b.screenshot('tablet-04-video-analytics-prometheus');
  }, 240_000);

  it('composes multi-edge object tracking on the tablet: compiled to an ObjectTrackingService the server accepts', async () => {
    const { page } = b;
    await page.getByTestId('nav-composer').click();
    await page.getByTestId('job-name').fill('follow');
    const set = async (field: string, value: string) => page.getByTestId('inspector').getByTestId(`field-${field}`).fill(value);
    const connect = async (output: string, target: string) => {
      await page.getByTestId('connect-output').selectOption(output);
      await page.getByTestId('connect-target').selectOption(target);
      await page.getByTestId('connect-button').click();
    };
    await page.getByTestId('add-camera').click();
    await set('url', 'rtsp://camera-a/stream');
    await page.getByTestId('add-tracking').click();
    await page.getByTestId('add-reid_worker').click();
    await page.getByTestId('unit-camera-1').click();
    await connect('frames', 'tracking-1:frames');
    await page.getByTestId('unit-tracking-1').click();
    await connect('features', 'reid-worker-1:features');
    await expect.poll(() => page.getByTestId('graph-problems').locator('li').count()).toBe(0);
    await page.getByTestId('compile').click();
    await page.getByTestId('yaml-editor').getByText('ObjectTrackingService').waitFor();
    // Plain YAML a user can read and edit: no anchors or aliases.
    expect(await page.locator('.cm-content').innerText()).not.toMatch(/[&*]a1/);
    await page.getByTestId('yaml-validate').click();
    await expect.poll(() => page.getByTestId('yaml-result').textContent(), { timeout: 30_000 }).toContain('Valid');
    expect(await fitsWidth()).toBe(true);
    await b.screenshot('tablet-03-composer-object-tracking');
  }, 90_000);

  it('had no console errors on any page', () => {
    expect(b.errors).toEqual([]);
  });
});
