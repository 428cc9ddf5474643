import { afterEach, describe, expect, it } from 'vitest';
import { ProcessRunner } from '../src/runner/index.js';
import { WorkerReportServer, type WorkerMessage } from '../src/server/index.js';
import { nodePod, StatusLog, tempDir, waitFor } from './runner-helpers.js';

describe('a worker run by the runner reports to the report server', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('accepts the report of its own worker (known through WORKER_NAME) and refuses a stranger', async () => {
    const data = tempDir('server-worker');
    const statuses = new StatusLog();
    const runner = new ProcessRunner({ dataDir: data.dir, hostIP: '127.0.0.1', onStatus: statuses.onStatus, warn: () => {} });
    const server = new WorkerReportServer({ port: 0, isKnownWorker: (name, namespace) => runner.hasWorker(name, namespace) });
    cleanups.push(data.remove, () => runner.close(), () => runner.stopAll({ gracePeriodSeconds: 0 }), () => server.close());
    const received: WorkerMessage[] = [];
    server.register('incrementallearningjob', (message) => void received.push(message));
    const { port } = await server.listen();

    // What the lib's report_task_info does, in a few lines of a real worker process.
    const script = `const body = { name: process.env.WORKER_NAME, namespace: process.env.NAMESPACE, ownerName: process.env.JOB_NAME,
        ownerKind: 'incrementallearningjob', kind: 'train', status: 'completed', results: [{ format: 'json', url: '/out/model.json' }] };
      const post = (name, payload) => fetch(process.env.LC_SERVER + '/sedna/workers/' + name + '/info',
        { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(payload) }).then((r) => r.json());
      (async () => {
        console.log(JSON.stringify(await post(process.env.WORKER_NAME, body)));
        console.log(JSON.stringify(await post('not-me', { ...body, name: 'not-me' })));
      })();`;
    const pod = nodePod('helmet-train-x7k2p', script, { restartPolicy: 'Never' }, {
      env: [
        { name: 'WORKER_NAME', value: 'train-worker-q8zrt' },
        { name: 'NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
        { name: 'JOB_NAME', value: 'helmet' },
        { name: 'LC_SERVER', value: `http://127.0.0.1:${port}` },
      ],
    });
    await runner.run(pod);
    await waitFor('the worker to finish', () => statuses.latest('helmet-train-x7k2p')?.phase === 'Succeeded');

    expect(received).toEqual([
      { name: 'train-worker-q8zrt', namespace: 'default', ownerName: 'helmet', ownerKind: 'incrementallearningjob', kind: 'train', status: 'completed', results: [{ format: 'json', url: '/out/model.json' }] },
    ]);
    const [accepted, refused] = (await runner.logs({ namespace: 'default', name: 'helmet-train-x7k2p' })).trim().split('\n').map((line) => JSON.parse(line));
    expect(accepted).toEqual({ Status: 200, Message: 'OK' });
    expect(refused).toEqual({ Status: 403, Message: 'worker default/not-me is not a worker this node runs; only local workers may report here' });
  });
});
