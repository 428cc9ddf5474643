import http from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WorkerReportRejected, WorkerReportServer, type WorkerMessage } from '../src/server/index.js';

const known = new Set(['default/train-worker-abcde', 'default/edgeworker-xyz']);

describe('WorkerReportServer', () => {
  let server: WorkerReportServer;
  let base: string;
  let received: WorkerMessage[];

  beforeEach(async () => {
    received = [];
    server = new WorkerReportServer({
      host: '127.0.0.1',
      port: 0,
      maxBodyBytes: 2048,
      isKnownWorker: (name, namespace) => known.has(`${namespace}/${name}`),
      // The edge worker's pod belongs to a JointInferenceService; the train worker's is a bare pod here.
      workerOwner: (name, namespace) => (`${namespace}/${name}` === 'default/edgeworker-xyz' ? { kind: 'jointinferenceservice', name: 'helmet' } : undefined),
      warn: () => {},
    });
    server.register('incrementallearningjob', (message) => {
      received.push(message);
    });
    server.register('jointinferenceservice', async (message) => {
      if (message.ownerName === 'unknown-service') throw new WorkerReportRejected(404, `service ${message.namespace}/${message.ownerName} is not known on this node`);
      if (message.ownerName === 'broken') throw new Error('database is locked');
      received.push(message);
    });
    const { port } = await server.listen();
    base = `http://127.0.0.1:${port}`;
  });
  afterEach(async () => {
    await server.close();
  });

  const report = {
    name: 'train-worker-abcde',
    namespace: 'default',
    ownerName: 'helmet-detection',
    ownerKind: 'incrementallearningjob',
    kind: 'train',
    status: 'completed',
    results: [{ format: 'pb', url: '/models/train/1/model.pb', metrics: { precision: [0.9] } }],
  };

  async function post(worker: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: unknown }> {
    const response = await fetch(`${base}/sedna/workers/${worker}/info`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: response.status, body: await response.json() };
  }

  it('accepts a report from a known worker and hands it to the manager of its ownerKind', async () => {
    expect(await post('train-worker-abcde', report)).toEqual({ status: 200, body: { Status: 200, Message: 'OK' } });
    expect(received).toEqual([report]);
    const inference = { name: 'edgeworker-xyz', namespace: 'default', ownerName: 'sedna', ownerKind: 'JointInferenceService', kind: 'inference', status: 'running', results: [], ownerInfo: { inferenceNumber: 12, hardExampleNumber: 3 } };
    expect((await post('edgeworker-xyz', inference)).status).toBe(200);
    expect(received[1]?.ownerInfo).toEqual({ inferenceNumber: 12, hardExampleNumber: 3 });
  });

  it('refuses malformed bodies with 400 and a reason naming the problem', async () => {
    const cases: [unknown, RegExp][] = [
      ['{"name": ', /^body is not valid JSON/],
      ['[1,2]', /body must be a JSON object/],
      [{ ...report, namespace: undefined }, /field "namespace" is required and must be a non-empty string/],
      [{ ...report, kind: 3 }, /field "kind" is required/],
      [{ ...report, name: 'someone-else' }, /field "name" \(someone-else\) differs from the worker name in the path \(train-worker-abcde\)/],
      [{ ...report, results: { format: 'pb' } }, /field "results" must be an array of objects/],
      [{ ...report, ownerInfo: 'x' }, /field "ownerInfo" must be an object/],
    ];
    for (const [body, reason] of cases) {
      const answer = await post('train-worker-abcde', body);
      expect(answer.status).toBe(400);
      expect((answer.body as { Status: number; Message: string }).Status).toBe(400);
      expect((answer.body as { Message: string }).Message).toMatch(reason);
    }
    expect(received).toEqual([]);
  });

  it('refuses an unknown ownerKind listing the known ones, instead of dropping it', async () => {
    const answer = await post('train-worker-abcde', { ...report, ownerKind: 'reidjob' });
    expect(answer).toEqual({
      status: 400,
      body: { Status: 400, Message: 'unknown ownerKind "reidjob"; known kinds: incrementallearningjob, jointinferenceservice' },
    });
  });

  it('takes the original lib\'s shapes: an inference report without status, ownerKind "default" from the pod\'s owner', async () => {
    const original = { name: 'edgeworker-xyz', namespace: 'default', ownerName: 'helmet', ownerKind: 'default', kind: 'inference', results: [], ownerInfo: { inferenceNumber: 4 } };
    expect(await post('edgeworker-xyz', original)).toEqual({ status: 200, body: { Status: 200, Message: 'OK' } });
    expect(received).toEqual([{ ...original, ownerKind: 'jointinferenceservice', status: 'running' }]);
    // A bare pod has no owner to take the kind from: a 400 naming the field (a train report would go to FL jobs).
    const orphan = await post('train-worker-abcde', { ...report, kind: 'deploy', ownerKind: 'default' });
    expect(orphan.status).toBe(400);
    expect((orphan.body as { Message: string }).Message).toMatch(/^field "ownerKind" is "default"/);
  });

  it('refuses workers this node does not run with 403', async () => {
    const answer = await post('intruder', { ...report, name: 'intruder' });
    expect(answer.status).toBe(403);
    expect((answer.body as { Message: string }).Message).toBe('worker default/intruder is not a worker this node runs; only local workers may report here');
    expect((await post('train-worker-abcde', { ...report, namespace: 'other' })).status).toBe(403);
    expect(received).toEqual([]);
  });

  it('passes a manager refusal through as its 4xx and a manager failure as 500', async () => {
    const base = { name: 'edgeworker-xyz', namespace: 'default', ownerKind: 'jointinferenceservice', kind: 'inference', status: 'running' };
    expect(await post('edgeworker-xyz', { ...base, ownerName: 'unknown-service' })).toEqual({
      status: 404,
      body: { Status: 404, Message: 'service default/unknown-service is not known on this node' },
    });
    const failed = await post('edgeworker-xyz', { ...base, ownerName: 'broken' });
    expect(failed.status).toBe(500);
    expect((failed.body as { Message: string }).Message).toMatch(/database is locked/);
  });

  it('limits the body size, with or without a Content-Length', async () => {
    const big = { ...report, ownerInfo: { padding: 'x'.repeat(4000) } };
    expect((await post('train-worker-abcde', big)).status).toBe(413);
    // Chunked upload: the limit is found while reading.
    const chunked = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const url = new URL(`${base}/sedna/workers/train-worker-abcde/info`);
      const request = http.request({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { 'Transfer-Encoding': 'chunked' } }, (response) => {
        let text = '';
        response.setEncoding('utf8').on('data', (chunk: string) => (text += chunk)).on('end', () => resolve({ status: response.statusCode ?? 0, body: text }));
      });
      request.on('error', reject);
      for (let i = 0; i < 4; i++) request.write('x'.repeat(1000));
      request.end();
    });
    expect(chunked.status).toBe(413);
    expect(JSON.parse(chunked.body)).toEqual({ Status: 413, Message: 'the request body is larger than 2048 bytes' });
    expect(received).toEqual([]);
  });

  it('answers routes and methods it does not serve, XML bodies, and health checks', async () => {
    const get = await fetch(`${base}/sedna/workers/train-worker-abcde/info`);
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    const unknown = await fetch(`${base}/sedna/workers/x`, { method: 'POST', body: '{}' });
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { Message: string }).Message).toMatch(/POST \/sedna\/workers\/\{name\}\/info/);
    expect((await post('train-worker-abcde', '<MessageContent/>', { 'Content-Type': 'application/xml' })).status).toBe(415);
    const health = await fetch(`${base}/healthz`);
    expect([health.status, await health.text()]).toEqual([200, 'ok']);
  });

  it('says which address is taken when it cannot listen', async () => {
    const { port } = server.address()!;
    const second = new WorkerReportServer({ host: '127.0.0.1', port, isKnownWorker: () => true });
    await expect(second.listen()).rejects.toThrow(`worker report server: cannot listen on 127.0.0.1:${port}: listen EADDRINUSE`);
    expect(() => server.register('IncrementalLearningJob', () => {})).toThrow(/already has a handler/);
  });
});
