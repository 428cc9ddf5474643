/**
 * One test per finding of the hardening issue that can be shown in process (the others: fuzz-entry-points.test.ts for
 * the request that took the control plane down, disk-full.test.ts for a full disk (as root), allinone.test.ts for
 * supervision, federatedlearning.test.ts and jointinference.test.ts for the bind addresses the GM gives workers, and
 * packages/lib/src/core/federated_learning/server/job-scope.test.ts for the aggregator's credential and checkpoints).
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findKind, type KubeObject, type UpstreamMessage } from '@sedna/api';
import { jobCredential, restrictTree } from '@sedna/api/guard';
import { configureJobCredentials } from '../../../gm/src/workers/job-credentials.js';
import { buildWorkerPod, stableWorker } from '../../../gm/src/workers/worker-pod.js';
import { checkOwnership, NotOwnedByNode } from '../../../gm/src/channel/ownership.js';
import { MemoryCache } from '../../../gm/src/runtime/cache.js';
import { makeRoots, MAX_DATASET_FILE_BYTES, readDatasetFile, startLocalController } from '@sedna/lc';
import { aggregationServerFromEnv, BigModelService, KnowledgeBaseServer, MlpEstimator } from '@sedna/lib';
import { NodeHub } from '@sedna/gm';
import { resolveNodeToken } from '../../src/commands/node-token.js';
import { sendRaw, startEntryPoints, type EntryPoints, type FuzzEndpoint } from '../../../../bench/fuzz/kit/index.js';
import { waitFor } from '../../../../test-kit/index.js';

let dir: string;
let entry: EntryPoints;
const endpoint = (name: string): FuzzEndpoint => entry.endpoints.find((e) => e.name === name)!;
const request = (e: FuzzEndpoint, method: string, target: string, body = '', headers: Record<string, string> = {}): Promise<number | undefined> => {
  const lines = [`${method} ${target} HTTP/1.1`, 'Host: x', ...(e.token ? [`Authorization: Bearer ${e.token}`] : []), ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`), `Content-Length: ${Buffer.byteLength(body, 'latin1')}`, 'Connection: close'];
  return sendRaw(e, Buffer.from(`${lines.join('\r\n')}\r\n\r\n${body}`, 'latin1'), 20_000).then((a) => a.status);
};
const waitUntil = async (what: string, check: () => boolean, timeoutMs = 30_000): Promise<void> => void (await waitFor(what, check, timeoutMs, 50));
const report = (overrides: Record<string, unknown> = {}): string => JSON.stringify({ name: 'w1', namespace: 'default', ownerName: 'job-a', ownerKind: 'federatedlearningjob', kind: 'train', status: 'completed', ...overrides });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sedna-findings-'));
  entry = await startEntryPoints(join(dir, 'entry'));
});

afterAll(async () => {
  await entry?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('1. a process-level last resort', () => {
  it('logs an exception or a rejection that escaped every handler, and the server keeps answering', async () => {
    // A server process of its own (the last resort is process-wide): a handler throws out of a timer, another
    // rejects; the process must log both and answer the next request.
    const script = `
      import { createServer } from 'node:http';
      import { installLastResort } from '@sedna/api/guard';
      installLastResort({ name: 'probe' });
      const server = createServer((req, res) => {
        if (req.url === '/throw') { setImmediate(() => { throw new Error('thrown out of a handler'); }); Promise.reject(new Error('rejected in a handler')); }
        res.end('ok');
      });
      server.listen(0, '127.0.0.1', () => console.log('port ' + server.address().port));
      process.stdin.on('end', () => process.exit(0)).resume();`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: join(import.meta.dirname, '..', '..'), stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    try {
      await waitUntil('the probe server', () => /port \d+/.test(out));
      const port = Number(/port (\d+)/.exec(out)![1]);
      const get = async (path: string) => (await fetch(`http://127.0.0.1:${port}${path}`)).status;
      expect(await get('/throw')).toBe(200);
      await waitUntil('both escapes logged', () => /an exception escaped every handler.*thrown out of a handler/.test(err) && /a rejected promise escaped every handler.*rejected in a handler/.test(err));
      expect(await get('/')).toBe(200);
      expect(child.exitCode).toBeNull();
    } finally {
      child.stdin.end();
      child.kill();
    }
  });
});

describe('2. no report acknowledged and then lost', () => {
  it('refuses a report nested 5,000 levels deep (400) or with an invalid owner name (422) instead of answering 200', async () => {
    const lc = endpoint('lc-report');
    const before = entry.reportsAtGm.length;
    expect(await request(lc, 'POST', '/sedna/workers/w1/info', report({ ownerInfo: JSON.parse('{"a":'.repeat(90) + '1' + '}'.repeat(90)) }).replace('"ownerInfo":{', '"ownerInfo":' + '{"a":'.repeat(5000) + '{').replace(/}$/, '}'.repeat(5001)), { 'Content-Type': 'application/json' })).toBe(400);
    expect(await request(lc, 'POST', '/sedna/workers/w1/info', report({ ownerName: 'Not_A_Valid_Name!' }), { 'Content-Type': 'application/json' })).toBe(422);
    expect(await request(lc, 'POST', '/sedna/workers/w1/info', report(), { 'Content-Type': 'application/json' })).toBe(200);
    expect(await entry.drained(20_000)).toBe(true);
    expect(entry.reportsAtGm.length).toBe(before + 1);
  });
});

describe('3. an LC restart keeps its ports', () => {
  it('listens on the ports of its last start, so running workers keep a valid LC_SERVER', async () => {
    const hub = endpoint('hub');
    const options = { nodeName: 'edge-restart', role: 'edge' as const, gmUrl: `ws://127.0.0.1:${hub.port}/`, token: hub.token!, dataDir: join(dir, 'lc-restart'), address: '127.0.0.1', reportPort: 0, nodeApiPort: 0, runPods: false, datasetRoots: [dir], log: () => undefined };
    const first = await startLocalController(options);
    const ports = [first.reportPort, first.nodeApiPort];
    await first.close();
    const second = await startLocalController(options);
    expect([second.reportPort, second.nodeApiPort]).toEqual(ports);
    await second.close();
  });
});

describe('4. owner-only files', () => {
  it('makes the API server database with its WAL and shared memory, the outbox and the knowledge base database owner-only', async () => {
    const files = ['apiserver/apiserver.db', 'apiserver/apiserver.db-wal', 'apiserver/apiserver.db-shm', 'apiserver/token', 'lc/outbox.db', 'lc/outbox.db-wal', 'kb/lifelong_kb.sqlite3', 'lc/ports.json'];
    for (const file of files) {
      const path = join(dir, 'entry', file);
      if (!existsSync(path)) continue;
      expect((statSync(path).mode & 0o077).toString(8), file).toBe('0');
    }
    expect(files.filter((f) => existsSync(join(dir, 'entry', f))).length).toBeGreaterThanOrEqual(5);
  });
});

describe('4. files an older version left readable', () => {
  it('are made owner-only at start (restrictTree), without following symbolic links', () => {
    const root = join(dir, 'old-data');
    const outside = join(dir, 'not-ours.txt');
    mkdirSync(join(root, 'runner', 'pods', 'p'), { recursive: true, mode: 0o755 });
    writeFileSync(join(root, 'runner', 'pods', 'p', 'pod.json'), '{}', { mode: 0o644 });
    writeFileSync(join(root, 'outbox.db'), '', { mode: 0o664 });
    writeFileSync(outside, '', { mode: 0o644 });
    execFileSync('chmod', ['-R', 'go+rX', root]);
    execFileSync('chmod', ['644', outside]);
    symlinkSync(outside, join(root, 'link'));
    expect(restrictTree(root)).toBeGreaterThanOrEqual(5);
    for (const path of [root, join(root, 'runner'), join(root, 'runner', 'pods', 'p'), join(root, 'runner', 'pods', 'p', 'pod.json'), join(root, 'outbox.db')]) {
      expect((statSync(path).mode & 0o077).toString(8), path).toBe('0');
    }
    expect(statSync(outside).mode & 0o777).toBe(0o644);
  });
});

describe('5. credentials and ownership', () => {
  it('takes the node token from an owner-only file or the environment; the command-line flag still works, with a warning', () => {
    const file = join(dir, 'node-token');
    execFileSync('sh', ['-c', `umask 077; echo secret-token > ${file}`]);
    expect(resolveNodeToken({ file, env: {}, warn: () => undefined })).toBe('secret-token');
    execFileSync('chmod', ['644', file]);
    expect(() => resolveNodeToken({ file, env: {}, warn: () => undefined })).toThrow(/readable by other users/);
    expect(resolveNodeToken({ env: { SEDNA_NODE_TOKEN: 'from-env' }, warn: () => undefined })).toBe('from-env');
    const warnings: string[] = [];
    expect(resolveNodeToken({ flag: 'old', env: {}, warn: (m) => warnings.push(m) })).toBe('old');
    expect(warnings[0]).toMatch(/deprecated/);
  });

  it('refuses a node reporting on a pod, dataset or job of another node', () => {
    const job = { apiVersion: 'sedna.io/v1alpha1', kind: 'FederatedLearningJob', metadata: { name: 'fl', namespace: 'default', uid: 'u1' }, spec: {} } as KubeObject;
    const cache = new MemoryCache([
      job,
      { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default', ownerReferences: [{ apiVersion: 'x', kind: 'FederatedLearningJob', name: 'fl', uid: 'u1' }] }, spec: { nodeName: 'edge-1' } },
      { apiVersion: 'sedna.io/v1alpha1', kind: 'Dataset', metadata: { name: 'd', namespace: 'default' }, spec: { nodeName: 'edge-1' } },
    ]);
    const caches = { pods: cache.of('Pod'), datasets: cache.of('Dataset'), jobs: { federatedlearningjob: cache.of('FederatedLearningJob') } };
    const message = (resourceKind: string, resourceName: string): UpstreamMessage => ({ header: { namespace: 'default', resourceKind, resourceName, operation: 'status' }, content: {} });
    for (const [kind, name] of [['pod', 'p'], ['dataset', 'd'], ['federatedlearningjob', 'fl']] as const) {
      expect(() => checkOwnership(caches, 'edge-1', message(kind, name))).not.toThrow();
      expect(() => checkOwnership(caches, 'edge-2', message(kind, name))).toThrow(NotOwnedByNode);
    }
  });
});

describe('6. the knowledge base authenticates its callers', () => {
  it('refuses writes without the job credential the GM gives every worker, and takes them with it', async () => {
    const secret = 'control-plane-secret';
    const kb = await KnowledgeBaseServer.start({ saveDir: join(dir, 'kb-auth'), host: '127.0.0.1', port: 0, credentialSecret: secret, log: () => undefined });
    try {
      const target = { name: 'kb', host: '127.0.0.1', port: kb.address.port, tls: false, paths: [], contentTypes: [] };
      const body = JSON.stringify({ tasks: ['a'] });
      // A write (the task status) without a credential or with a forged one is refused; the query is a read, open.
      expect(await request(target, 'POST', '/knowledgebase/update/status', body, { 'Content-Type': 'application/json' })).toBe(401);
      expect(await request(target, 'POST', '/knowledgebase/update/status', body, { 'Content-Type': 'application/json', Authorization: 'Bearer sj1.default.eA.u.forged' })).toBe(401);
      expect(await request(target, 'POST', '/knowledgebase/query', body, { 'Content-Type': 'application/json' })).toBe(200);
      configureJobCredentials(secret);
      const job = { apiVersion: 'sedna.io/v1alpha1', kind: 'LifelongLearningJob', metadata: { name: 'll', namespace: 'default', uid: 'uid-1' } } as KubeObject;
      const pod = buildWorkerPod({ owner: job, workerType: 'train', template: { spec: { containers: [{ name: 'c', image: 'x' }] } }, env: {}, hashOf: {} }) as { spec: { containers: Array<{ env: Array<{ name: string; value: string }> }> } };
      const credential = pod.spec.containers[0]!.env.find((e) => e.name === 'SEDNA_JOB_CREDENTIAL')!.value;
      expect(credential).toBe(jobCredential(secret, { namespace: 'default', name: 'll', uid: 'uid-1' }));
      // With the worker's credential the write gets past authentication (this body is not a valid status: 400).
      expect(await request(target, 'POST', '/knowledgebase/update/status', body, { 'Content-Type': 'application/json', Authorization: `Bearer ${credential}` })).toBe(400);
    } finally {
      configureJobCredentials('');
      await kb.close();
    }
  });
});

describe('6 (and 11). the aggregation server authenticates its callers', () => {
  it("refuses a GET or a websocket upgrade without its job's credential, and takes them with it", async () => {
    const agg = endpoint('aggregation-server');
    const anonymous = { ...agg, token: undefined };
    expect(await request(anonymous, 'GET', '/fl-job')).toBe(401);
    expect(await request(agg, 'GET', '/fl-job')).toBe(200);
    const upgrade = { Upgrade: 'websocket', Connection: 'Upgrade', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==' };
    const handshake = (e: FuzzEndpoint) => sendRaw(e, Buffer.from(`GET /FedAvg HTTP/1.1\r\nHost: x\r\n${e.token ? `Authorization: Bearer ${e.token}\r\n` : ''}${Object.entries(upgrade).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`), 5_000).then((a) => a.status);
    expect(await handshake(anonymous)).toBe(401);
    expect(await handshake(agg)).toBe(101);
  });
});

describe('7. deep bodies', () => {
  it('answers a YAML body nested 10,000 levels deep with 400, twice, and keeps serving; deep JSON bodies and patches too', async () => {
    const api = endpoint('apiserver');
    const deepYaml = Array.from({ length: 10_000 }, (_, i) => `${' '.repeat(i % 50)}${'- '.repeat(Math.floor(i / 50) % 2)}a:`).join('\n');
    const flowYaml = '['.repeat(10_000) + ']'.repeat(10_000);
    for (const body of [deepYaml, flowYaml, flowYaml]) expect(await request(api, 'POST', '/api/v1/namespaces/default/secrets', body, { 'Content-Type': 'application/yaml' })).toBe(400);
    const deepJson = '{"a":'.repeat(20_000) + '1' + '}'.repeat(20_000);
    expect(await request(api, 'POST', '/api/v1/namespaces/default/secrets', deepJson, { 'Content-Type': 'application/json' })).toBe(400);
    expect(await request(api, 'PATCH', '/api/v1/namespaces/default/pods/p1', `{"metadata":{"labels":${deepJson}}}`, { 'Content-Type': 'application/merge-patch+json' })).toBe(400);
    expect(await request(api, 'GET', '/api/v1/namespaces/default/pods/p1')).toBe(200);
  });
});

describe('8. deterministic worker names', () => {
  it('names a stage worker after its job and round: a second create of the same worker is refused, not a second worker', () => {
    const job = { apiVersion: 'sedna.io/v1alpha1', kind: 'IncrementalLearningJob', metadata: { name: 'il', namespace: 'default', uid: 'uid-9' } } as KubeObject;
    const a = stableWorker(job, 'inference', { template: 1, env: { x: 1 } });
    expect(stableWorker(job, 'inference', { template: 1, env: { x: 1 } })).toEqual(a);
    expect(stableWorker({ ...job, metadata: { ...job.metadata, uid: 'uid-10' } }, 'inference', { template: 1, env: { x: 1 } }).podName).not.toBe(a.podName);
    expect(a.podName).toMatch(/^il-inference-[0-9a-f]{5}$/);
    const registry = entry.api.registry;
    const pod = buildWorkerPod({ owner: job, workerType: 'inference', template: { spec: { containers: [{ name: 'c', image: 'x', command: ['true'] }] } }, env: {}, hashOf: {}, name: a.podName });
    registry.create(findKind('Pod')!, 'default', structuredClone(pod));
    expect(() => registry.create(findKind('Pod')!, 'default', structuredClone(pod))).toThrow(/already exists/);
  });
});

describe('9. the LC retries a Pod it could not start', () => {
  it('starts a Pod whose first start failed (its folder could not be made, as on a full disk) once the cause is gone', async () => {
    const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
    const hub = new NodeHub({ token: 't0ken', host: '127.0.0.1', port: 0, logger: quiet }, { onUpstream: async () => undefined, resyncFor: async () => [] });
    await hub.start();
    const lines: string[] = [];
    const dataDir = join(dir, 'lc-retry');
    const lc = await startLocalController({ nodeName: 'edge-retry', role: 'edge', gmUrl: `ws://127.0.0.1:${hub.address().port}/`, token: 't0ken', dataDir, address: '127.0.0.1', reportPort: 0, nodeApiPort: 0, runPods: true, datasetRoots: [dir], log: (line) => void lines.push(line) });
    try {
      await waitUntil('the LC connected', () => hub.connectedNodes().includes('edge-retry'));
      // A file where the pod's folder must go: its start fails as it does when the disk is full (ENOSPC).
      const blocker = join(dataDir, 'runner', 'pods', 'default_p9_uid-p9');
      writeFileSync(blocker, 'in the way');
      hub.send('edge-retry', { header: { namespace: 'default', resourceKind: 'pod', resourceName: 'p9', operation: 'insert' }, content: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p9', namespace: 'default', uid: 'uid-p9' }, spec: { nodeName: 'edge-retry', restartPolicy: 'Never', containers: [{ name: 'c', image: 'x', command: ['sleep', '60'] }] } } });
      await waitUntil('the first start to fail', () => lines.some((l) => /pod default\/p9 could not start .*trying again in 1 s/.test(l)));
      expect(lc.runner!.hasWorker('p9', 'default')).toBe(false);
      rmSync(blocker);
      await waitUntil('the pod started by a retry', () => lc.runner!.hasWorker('p9', 'default'));
    } finally {
      await lc.close();
      await hub.close();
      for (const pod of lc.runner?.list() ?? []) await lc.runner!.stop(`${pod.namespace}/${pod.name}`).catch(() => undefined);
    }
  });
});

describe('11. workers bind the address the GM gives, and only this host without one', () => {
  it('the aggregation server and the big model service listen on 127.0.0.1 when the environment names no address', async () => {
    const { server } = await aggregationServerFromEnv({ env: { AGG_BIND_PORT: '0', WORKER_NAME: 'agg' }, log: () => undefined });
    const service = new BigModelService({ estimator: new MlpEstimator({ spec: { inputShape: [2], layers: [{ type: 'dense', units: 2 }] }, seed: 1 }), env: { BIG_MODEL_BIND_PORT: '0' }, modelUrl: false, log: () => undefined });
    try {
      expect((await server.start()).host).toBe('127.0.0.1');
      expect((await service.start()).host).toBe('127.0.0.1');
    } finally {
      await server.stop();
      await service.stop();
    }
    // The address the GM gives (on sedna up the node's, on a cluster the pod's IP) is what they bind.
    const { settings } = await aggregationServerFromEnv({ env: { AGG_BIND_IP: '127.0.0.2', AGG_BIND_PORT: '0', WORKER_NAME: 'agg' }, log: () => undefined });
    expect(settings.bindHost).toBe('127.0.0.2');
  });
});

describe('12. the dataset manager reads only regular files, bounded', () => {
  it('refuses a FIFO at once (no stall), a device such as /dev/zero and a file over its size limit', async () => {
    const fifo = join(dir, 'samples.fifo');
    execFileSync('mkfifo', [fifo]);
    await expect(readDatasetFile(fifo, makeRoots([dir]))).rejects.toThrow(/not a regular file \(a FIFO\)/);
    await expect(readDatasetFile('/dev/zero', makeRoots(['/']))).rejects.toThrow(/not a regular file \(a device\)/);
    // A regular file larger than any index file (sparse: it costs no disk) is refused, not read into memory.
    const huge = join(dir, 'huge.txt');
    execFileSync('truncate', ['-s', `${MAX_DATASET_FILE_BYTES + 1}`, huge]);
    await expect(readDatasetFile(huge, makeRoots([dir]))).rejects.toThrow(/over the \d+-byte limit/);
  });
});

describe('13. the knowledge base never creates folders outside its own', () => {
  it('refuses an upload through a symbolic link before making any folder behind it', async () => {
    const outside = join(dir, 'outside');
    mkdirSync(outside);
    const kbDir = join(dir, 'entry', 'kb');
    symlinkSync(outside, join(kbDir, 'escape'));
    const kb = endpoint('knowledge-base');
    const form = `--x\r\nContent-Disposition: form-data; name="file"; filename="m.bin"\r\n\r\nabc\r\n--x\r\nContent-Disposition: form-data; name="path"\r\n\r\nescape/new/deeper\r\n--x--\r\n`;
    expect(await request(kb, 'POST', '/knowledgebase/file/upload', form, { 'Content-Type': 'multipart/form-data; boundary=x' })).toBe(400);
    expect(existsSync(join(outside, 'new'))).toBe(false);
  });
});

describe('14. 4xx, not 500, for malformed input', () => {
  it('answers malformed percent-encoding, long or directory names, bad header characters, racing uploads and a bad tailLines with 4xx or success', async () => {
    expect(await request(endpoint('apiserver'), 'GET', '/api/v1/namespaces/default/pods/%E0%A4%A')).toBe(400);
    const kb = endpoint('knowledge-base');
    const upload = (name: string, path?: string) => `--x\r\nContent-Disposition: form-data; name="file"; filename="${name}"\r\n\r\nabc\r\n${path ? `--x\r\nContent-Disposition: form-data; name="path"\r\n\r\n${path}\r\n` : ''}--x--\r\n`;
    const multipart = { 'Content-Type': 'multipart/form-data; boundary=x' };
    expect(await request(kb, 'POST', '/knowledgebase/file/upload', upload('n'.repeat(300)), multipart)).toBe(400);
    expect(await request(kb, 'POST', '/knowledgebase/file/upload', upload('f.bin', 'folder'), multipart)).toBe(200);
    expect(await request(kb, 'POST', '/knowledgebase/file/upload', upload('folder'), multipart)).toBe(400);
    expect(await request(kb, 'GET', '/knowledgebase/files/folder')).toBe(404);
    expect(await request(kb, 'GET', '/knowledgebase/file/download?files=folder/f.bin&name=%C3%A9t%C3%A9%0D%0A')).toBe(200);
    const racing = await Promise.all(Array.from({ length: 6 }, () => request(kb, 'POST', '/knowledgebase/file/upload', upload('same.bin'), multipart)));
    expect(racing).toEqual(Array(6).fill(200));
    expect(await request(endpoint('lc-node-api'), 'GET', '/pods/default/p1/log?tailLines=abc')).toBe(400);
  });
});
