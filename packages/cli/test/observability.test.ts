/**
 * Observability on `sedna up` with two nodes: `sedna logs --search` and `/sedna/logs/search` find a word in the
 * logs of pods on both nodes (each LC searches its own files) with pod, node and time, narrowed by --pod and
 * --since; every component's /metrics wants its token and passes `promtool check metrics`; the Prometheus
 * targets follow pods as they come.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { up, type UpHandle } from '../src/commands/up.js';
import { readControlPlaneInfo } from '../src/paths.js';
import { ensureBuilt, sedna, tempDir, waitFor } from './harness.js';
import { stopControlPlaneAndPods } from './pod-processes.js';

let handle: UpHandle;
let dataDir: string;

beforeAll(async () => {
  ensureBuilt();
  dataDir = tempDir('sedna-observability-');
  handle = await up({ dataDir, edgeNodes: 1, apiPort: 0, hubPort: 0, datasetRoots: ['/'], log: () => undefined });
}, 300_000);
afterAll(async () => {
  await stopControlPlaneAndPods(dataDir, () => handle?.stop());
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

/** A bearer token, or the control plane's client certificate (node APIs serve TLS to it alone). */
type Credential = string | { cert: string; key: string };

function get(url: string, credential?: Credential): Promise<{ status: number; body: string }> {
  const ca = readFileSync(join(dataDir, 'apiserver', 'pki', 'ca.crt'), 'utf8');
  return new Promise((resolve, reject) => {
    const lib = url.startsWith('https:') ? https : http;
    const auth = typeof credential === 'string' ? { headers: { Authorization: `Bearer ${credential}` } } : credential ? { ...credential, headers: {} } : { headers: {} };
    lib.get(url, { ...auth, ca }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    }).on('error', reject);
  });
}

const pod = (name: string, node: string, script: string) =>
  `apiVersion: v1\nkind: Pod\nmetadata:\n  name: ${name}\nspec:\n  nodeName: ${node}\n  restartPolicy: Never\n  containers:\n  - name: main\n    command: ["sh", "-c", ${JSON.stringify(script)}]\n`;

describe('observability on sedna up', () => {
  it('searches the logs of every pod on every node', async () => {
    const applied = await sedna(['apply', '-f', '-', '--data-dir', dataDir], [pod('alpha', 'cloud-node', 'echo "2020-01-02T03:04:05Z found the Needle in alpha"; echo "alpha: needle again, no time"; echo "alpha: nothing here"'), pod('beta', 'edge-node-1', 'echo "beta has a NEEDLE too"')].join('---\n'));
    expect(applied.status, applied.stderr).toBe(0);
    const info = readControlPlaneInfo(dataDir)!;
    const token = readFileSync(join(dataDir, 'apiserver', 'token'), 'utf8').trim();
    for (const name of ['alpha', 'beta']) {
      await waitFor(`${name} Succeeded`, async () => (JSON.parse((await get(`${info.apiUrl}/api/v1/namespaces/default/pods/${name}`, token)).body).status?.phase === 'Succeeded' ? true : undefined), 60_000);
    }
    const all = await sedna(['logs', '--search', 'needle', '-o', 'json', '--data-dir', dataDir]);
    expect(all.status, all.stderr).toBe(0);
    const matches = all.stdout.trim().split('\n').map((l) => JSON.parse(l) as { node: string; pod: string; namespace: string; time: string; timeFrom: string; line: string });
    expect(matches.map((m) => `${m.node} ${m.pod} ${m.line}`).sort()).toEqual([
      'cloud-node alpha 2020-01-02T03:04:05Z found the Needle in alpha',
      'cloud-node alpha alpha: needle again, no time',
      'edge-node-1 beta beta has a NEEDLE too',
    ]);
    const stamped = matches.find((m) => m.line.startsWith('2020'))!;
    expect(stamped).toMatchObject({ namespace: 'default', time: '2020-01-02T03:04:05.000Z', timeFrom: 'line' });
    const unstamped = matches.find((m) => m.line.startsWith('alpha: needle'))!;
    expect(unstamped.timeFrom).toBe('file');
    expect(Date.now() - Date.parse(unstamped.time)).toBeLessThan(10 * 60_000);

    // --pod narrows to one pod; --since drops the line stamped in 2020 but keeps those written now.
    const onlyBeta = await sedna(['logs', '--search', 'needle', '--pod', 'beta', '--data-dir', dataDir]);
    expect(onlyBeta.stdout.trim().split('\n')).toHaveLength(1);
    expect(onlyBeta.stdout).toMatch(/^<=\S+ {2}edge-node-1 {2}default\/beta {2}beta has a NEEDLE too$/m);
    const recent = await sedna(['logs', '--search', 'needle', '--since', '1h', '-o', 'json', '--data-dir', dataDir]);
    expect(recent.stdout.trim().split('\n').map((l) => JSON.parse(l).pod).sort()).toEqual(['alpha', 'beta']);
    const bad = await sedna(['logs', '--search', 'needle', '--since', 'yesterday-ish', '--data-dir', dataDir]);
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toContain('since must be a duration');

    // The same through the API endpoint, which wants the API token.
    expect((await get(`${info.apiUrl}/sedna/logs/search?q=needle`)).status).toBe(401);
    const api = await get(`${info.apiUrl}/sedna/logs/search?q=needle&namespace=default`, token);
    expect(api.body.trim().split('\n')).toHaveLength(3);
  }, 300_000);

  it('serves /metrics on every component behind its token, in a form promtool accepts, and lists the pods for Prometheus', async () => {
    const info = readControlPlaneInfo(dataDir)!;
    const apiToken = readFileSync(join(dataDir, 'apiserver', 'token'), 'utf8').trim();
    const nodeToken = readFileSync(info.nodeTokenFile, 'utf8').trim();
    const pki = join(dataDir, 'apiserver', 'pki');
    const controlPlane = { cert: readFileSync(join(pki, 'control-plane-client.crt'), 'utf8'), key: readFileSync(join(pki, 'control-plane-client.key'), 'utf8') };
    const lcTargets = JSON.parse(readFileSync(join(dataDir, 'prometheus', 'targets', 'local-controllers.json'), 'utf8')) as { targets: string[]; labels: { node: string } }[];
    expect(lcTargets.map((t) => t.labels.node).sort()).toEqual(['cloud-node', 'edge-node-1']);
    const endpoints: { url: string; token: Credential; expect: string }[] = [
      { url: `${info.apiUrl}/metrics`, token: apiToken, expect: 'sedna_apiserver_requests_total' },
      { url: `https://${new URL(info.hubUrl).host}/metrics`, token: nodeToken, expect: 'sedna_pod_status_phase' },
      ...lcTargets.map((t) => ({ url: `https://${t.targets[0]}/metrics`, token: controlPlane, expect: 'sedna_lc_gm_connected 1' })),
    ];
    for (const e of endpoints) {
      expect((await get(e.url)).status, e.url).toBe(401);
      const answer = await get(e.url, e.token);
      expect(answer.status, e.url).toBe(200);
      expect(answer.body).toContain(e.expect);
      const checked = spawnSync('promtool', ['check', 'metrics'], { input: answer.body, encoding: 'utf8' });
      expect(checked.status, `${e.url}: ${checked.stdout}${checked.stderr}`).toBe(0);
    }
    // A running pod appears among the worker targets, with its LC's address and its metrics path.
    await sedna(['apply', '-f', '-', '--data-dir', dataDir], pod('gamma', 'edge-node-1', 'exec sleep 120'));
    const target = await waitFor('gamma among the targets', () => {
      const groups = JSON.parse(readFileSync(join(dataDir, 'prometheus', 'targets', 'workers.json'), 'utf8')) as { targets: string[]; labels: Record<string, string> }[];
      return groups.find((g) => g.labels['pod'] === 'gamma');
    }, 30_000);
    expect(target.labels).toMatchObject({ namespace: 'default', node: 'edge-node-1', __metrics_path__: '/pods/default/gamma/metrics' });
    expect(target.targets).toEqual(lcTargets.find((t) => t.labels.node === 'edge-node-1')!.targets);
    // `sleep` serves no metrics: its LC says so rather than inventing any.
    const none = await get(`https://${target.targets[0]}${target.labels['__metrics_path__']}`, controlPlane);
    expect(none.status).toBe(503);
    await sedna(['delete', 'pod', 'gamma', '--data-dir', dataDir]);
    await waitFor('gamma gone from the targets', () => (readFileSync(join(dataDir, 'prometheus', 'targets', 'workers.json'), 'utf8').includes('gamma') ? undefined : true), 30_000);
  }, 300_000);
});
