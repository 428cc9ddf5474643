/**
 * Benchmark of the embedded API server, run as its own process (as in production) and driven over HTTPS with
 * keep-alive from this one:
 * - creates_per_s: sequential creates, each committed to SQLite before the answer;
 * - status_updates_per_s: sequential merge patches of the status subresource;
 * - watch_fanout_p99_ms: one change seen by 100 open watches (99th percentile of write start to event received);
 * - list_10k_ms: listing 10,000 objects of one kind (request to last byte);
 * - rss_mb: the server's resident memory with 10,000 objects stored.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { ClientRequest } from 'node:http';
import { Agent, request } from 'node:https';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const dataDir = mkdtempSync(join(tmpdir(), 'sedna-bench-apiserver-'));
const log = (msg: string): void => void process.stderr.write(`[apiserver bench] ${msg}\n`);

async function startServer(): Promise<{ proc: ChildProcess; port: number }> {
  const proc = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', join(root, 'packages/apiserver/src/main.ts'), '--data-dir', dataDir, '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((res, rej) => {
    let out = '';
    proc.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /listening on https:\/\/127\.0\.0\.1:(\d+)/.exec(out);
      if (m) res(Number(m[1]));
    });
    proc.on('exit', (code) => rej(new Error(`apiserver exited ${code}`)));
  });
  return { proc, port };
}

const { proc, port } = await startServer();
const token = readFileSync(join(dataDir, 'token'), 'utf8').trim();
const ca = readFileSync(join(dataDir, 'pki', 'ca.crt'));
const agent = new Agent({ keepAlive: true, maxSockets: 1, ca });

function call(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<{ status: number; body: string }> {
  return new Promise((res, rej) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = request({ host: '127.0.0.1', port, method, path, agent, headers: { Authorization: `Bearer ${token}`, 'Content-Type': contentType, ...(payload ? { 'Content-Length': Buffer.byteLength(payload) } : {}) } }, (r) => {
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c));
      r.on('end', () => res({ status: r.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', rej);
    if (payload) req.write(payload);
    req.end();
  });
}

const base = '/apis/sedna.io/v1alpha1/namespaces/default/datasets';
const dataset = (name: string) => ({ apiVersion: 'sedna.io/v1alpha1', kind: 'Dataset', metadata: { name, labels: { bench: 'yes' } }, spec: { url: `/data/${name}/index.txt`, format: 'txt', nodeName: 'edge-0' } });

async function timed(label: string, n: number, fn: (i: number) => Promise<void>): Promise<number> {
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await fn(i);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  log(`${label}: ${n} in ${seconds.toFixed(2)} s (${(n / seconds).toFixed(0)}/s)`);
  return n / seconds;
}

try {
  // Warm up connections and the JIT.
  for (let i = 0; i < 200; i++) await call('POST', base, dataset(`warm-${i}`));

  const creates = await timed('creates', 3000, async (i) => {
    const r = await call('POST', base, dataset(`obj-${i}`));
    if (r.status !== 201) throw new Error(`create failed: ${r.status} ${r.body}`);
  });
  const statusUpdates = await timed('status updates', 3000, async (i) => {
    const r = await call('PATCH', `${base}/obj-${i % 3000}/status`, { status: { numberOfSamples: i + 1 } }, 'application/merge-patch+json');
    if (r.status !== 200) throw new Error(`status update failed: ${r.status} ${r.body}`);
  });

  log('filling up to 10,000 objects');
  for (let i = 3000; i < 9800; i++) await call('POST', base, dataset(`obj-${i}`));
  const listRuns: number[] = [];
  for (let run = 0; run < 5; run++) {
    const start = process.hrtime.bigint();
    const r = await call('GET', base);
    listRuns.push(Number(process.hrtime.bigint() - start) / 1e6);
    const count = (JSON.parse(r.body) as { items: unknown[] }).items.length;
    if (count !== 10_000) throw new Error(`expected 10000 items, listed ${count}`);
  }
  listRuns.sort((a, b) => a - b);
  const list10k = listRuns[Math.floor(listRuns.length / 2)]!;
  log(`list of 10,000: median ${list10k.toFixed(1)} ms`);
  const rssMb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${proc.pid}/status`, 'utf8'))![1]) / 1024;
  log(`server RSS with 10,000 objects: ${rssMb.toFixed(0)} MB`);

  // 100 watches on their own connections; each change's delivery time to each of them.
  const watchAgent = new Agent({ keepAlive: false, ca });
  const pending = new Map<string, number>();
  const latencies: number[] = [];
  const watches = await Promise.all(
    Array.from({ length: 100 }, () =>
      new Promise<ClientRequest>((res, rej) => {
        const rv = '0';
        const req = request({ host: '127.0.0.1', port, method: 'GET', path: `/apis/sedna.io/v1alpha1/namespaces/kube-system/datasets?watch=true&resourceVersion=${rv}`, agent: watchAgent, headers: { Authorization: `Bearer ${token}` } }, (r) => {
          let buf = '';
          r.on('data', (c: Buffer) => {
            buf += c.toString();
            let nl: number;
            while ((nl = buf.indexOf('\n')) >= 0) {
              const line = buf.slice(0, nl);
              buf = buf.slice(nl + 1);
              const name = /"name":"([^"]+)"/.exec(line)?.[1];
              const sent = name ? pending.get(name) : undefined;
              if (sent !== undefined) latencies.push(performance.now() - sent);
            }
          });
          res(req);
        });
        req.on('error', rej);
        req.end();
      }),
    ),
  );
  const kubeSystem = '/apis/sedna.io/v1alpha1/namespaces/kube-system/datasets';
  for (let i = 0; i < 50; i++) {
    const name = `fan-${i}`;
    const target = latencies.length + 100;
    pending.set(name, performance.now());
    await call('POST', kubeSystem, dataset(name));
    const deadline = Date.now() + 5000;
    while (latencies.length < target && Date.now() < deadline) await new Promise((r) => setTimeout(r, 1));
  }
  for (const w of watches) w.destroy();
  latencies.sort((a, b) => a - b);
  const p99 = latencies[Math.floor(latencies.length * 0.99)] ?? Number.NaN;
  log(`watch fan-out: ${latencies.length} deliveries, p50 ${latencies[Math.floor(latencies.length / 2)]?.toFixed(2)} ms, p99 ${p99.toFixed(2)} ms`);

  console.log(
    JSON.stringify({
      creates_per_s: Math.round(creates),
      status_updates_per_s: Math.round(statusUpdates),
      watch_fanout_p99_ms: Number(p99.toFixed(2)),
      watch_deliveries: latencies.length,
      list_10k_ms: Number(list10k.toFixed(1)),
      rss_mb: Number(rssMb.toFixed(1)),
      targets: { creates_per_s: '>= 1000', status_updates_per_s: '>= 2000', watch_fanout_p99_ms: '< 50', list_10k_ms: '< 500', rss_mb: '< 200' },
    }),
  );
} finally {
  proc.kill('SIGTERM');
  agent.destroy();
  rmSync(dataDir, { recursive: true, force: true });
}
