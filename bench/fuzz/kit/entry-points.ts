/**
 * Every HTTP and websocket entry point of the project, started in this process on free ports for a fuzz campaign:
 * the API server, the GM's node hub, a local controller (worker report endpoint and node API) connected to that hub,
 * the knowledge base server, a federated learning aggregation server and a big model service. The hub records the
 * worker reports that reach it, so a campaign can count reports acknowledged to a worker and then lost.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { UpstreamMessage } from '@sedna/api';
import { jobCredential } from '@sedna/api/guard';
import { startApiServer, type RunningApiServer } from '@sedna/apiserver';
import { NodeHub } from '@sedna/gm';
import { startLocalController, type RunningLocalController } from '@sedna/lc';
import { AggregationServer, BigModelService, KnowledgeBaseServer, MlpEstimator, type Estimator, type Tensor } from '@sedna/lib';
import type { FuzzEndpoint } from './arbitraries.js';

/** The owner kinds whose reports go up as status messages (the LC's report handlers). */
export const REPORT_KINDS = ['jointinferenceservice', 'federatedlearningjob', 'incrementallearningjob', 'lifelonglearningjob'];

export interface EntryPoints {
  endpoints: FuzzEndpoint[];
  api: RunningApiServer;
  lc: RunningLocalController;
  /** Worker reports (status messages of REPORT_KINDS) the hub received, by `ownerName`. */
  reportsAtGm: UpstreamMessage[];
  /** Waits until the LC's outbox is empty (everything it acknowledged reached the hub). */
  drained(timeoutMs: number): Promise<boolean>;
  close(): Promise<void>;
}

/** A model for the big model service that needs no training: sums each row. */
function sumEstimator(): Estimator {
  const notUsed = (): never => {
    throw new Error('not used by the fuzz campaign');
  };
  return {
    predict: async (x: Tensor): Promise<Tensor> => {
      const n = x.shape[0] ?? 0;
      const width = n === 0 ? 0 : x.data.length / n;
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) for (let j = 0; j < width; j++) out[i]! += x.data[i * width + j]!;
      return { data: out, shape: [n, 1] };
    },
    train: notUsed,
    evaluate: notUsed,
    load: async () => undefined,
    save: notUsed,
    getWeights: () => [],
    setWeights: notUsed,
  };
}

const report = (kind: string) => ({ name: 'fuzz-worker', namespace: 'default', ownerName: 'job-a', ownerKind: kind, kind: 'train', status: 'completed', results: [{ format: 'onnx', url: '/models/m.onnx', metrics: { acc: [0.9] } }], ownerInfo: { round: 1 } });

export async function startEntryPoints(dir: string, log: (line: string) => void = () => undefined): Promise<EntryPoints> {
  mkdirSync(dir, { recursive: true });
  const closers: Array<[string, () => Promise<void>]> = [];
  const close = async (): Promise<void> => {
    for (const [name, c] of closers.reverse()) {
      const started = Date.now();
      await c().catch((err: unknown) => log(`closing the ${name}: ${(err as Error).message}`));
      if (Date.now() - started > 1000) log(`closing the ${name} took ${Date.now() - started} ms`);
    }
  };
  try {
    const api = await startApiServer({ dataDir: join(dir, 'apiserver'), port: 0, podLogs: async (_ns, name, _o, res) => void res.writeHead(200, { 'content-type': 'text/plain' }).end(`logs of ${name}\n`) });
    closers.push(['API server', () => api.close()]);
    const podKind = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p1', namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'x', command: ['sleep', '1'] }] } };
    api.registry.create((await import('@sedna/api')).findKind('Pod')!, 'default', podKind);

    const token = randomBytes(16).toString('base64url');
    const reportsAtGm: UpstreamMessage[] = [];
    const hub = new NodeHub(
      { token, host: '127.0.0.1', port: 0, nodeGracePeriodMs: 60_000, logger: { debug: () => undefined, info: () => undefined, warn: () => undefined, error: (m) => log(`hub: ${m}`) } },
      {
        onUpstream: async (_node, message) => {
          if (REPORT_KINDS.includes(message.header.resourceKind)) reportsAtGm.push(message);
        },
        resyncFor: async () => [],
      },
    );
    await hub.start();
    closers.push(['hub', () => hub.close()]);
    const hubPort = hub.address().port;

    const lc = await startLocalController({
      nodeName: 'edge-fuzz',
      role: 'edge',
      gmUrl: `ws://127.0.0.1:${hubPort}/`,
      token,
      dataDir: join(dir, 'lc'),
      address: '127.0.0.1',
      reportPort: 0,
      nodeApiPort: 0,
      runPods: false,
      datasetRoots: [dir],
      log: () => undefined,
    });
    closers.push(['LC', () => lc.close()]);

    // The knowledge base and the aggregator check a job's credential, as on `sedna up`; most requests carry it.
    const jobSecret = randomBytes(16).toString('base64url');
    const jobToken = jobCredential(jobSecret, { namespace: 'default', name: 'fl-job', uid: 'fuzz-uid' });
    const kb = await KnowledgeBaseServer.start({ saveDir: join(dir, 'kb'), host: '127.0.0.1', port: 0, credentialSecret: jobSecret, log: () => undefined });
    closers.push(['knowledge base', () => kb.close()]);

    const aggregator = new AggregationServer({
      aggregation: 'FedAvg',
      participantsCount: 1,
      exitRound: 1000,
      host: '127.0.0.1',
      port: 0,
      jobName: 'fl-job',
      jobUid: 'fuzz-uid',
      credential: jobToken,
      lingerMs: 0,
      estimator: new MlpEstimator({ spec: { inputShape: [4], layers: [{ type: 'dense', units: 2 }] }, seed: 1 }),
      log: () => undefined,
    });
    const aggPort = (await aggregator.start()).port;
    closers.push(['aggregation server', () => aggregator.stop()]);

    const service = new BigModelService({ estimator: sumEstimator(), env: {}, modelUrl: false, host: '127.0.0.1', port: 0, log: () => undefined });
    const servicePort = (await service.start()).port;
    closers.push(['big model service', () => service.stop()]);

    const local = { host: '127.0.0.1', tls: false };
    const endpoints: FuzzEndpoint[] = [
      {
        name: 'apiserver',
        host: '127.0.0.1',
        port: api.port,
        tls: true,
        token: api.token,
        paths: ['/api/v1/namespaces/default/pods', '/api/v1/namespaces/default/pods/p1', '/api/v1/namespaces/default/pods/p1/log', '/api/v1/namespaces/default/pods/p1/status', '/api/v1/pods', '/api/v1/watch/namespaces/default/pods', '/apis/sedna.io/v1alpha1/namespaces/default/datasets', '/apis/sedna.io/v1alpha1/namespaces/default/jointinferenceservices/ji', '/api/v1/nodes', '/api/v1/namespaces/default', '/api/v1/namespaces/default/secrets', '/apis', '/api', '/apis/sedna.io/v1alpha1', '/openapi/v3', '/openapi/v3/apis/sedna.io/v1alpha1', '/version', '/healthz'],
        contentTypes: ['application/json', 'application/yaml', 'application/merge-patch+json', 'application/json-patch+json', 'application/strategic-merge-patch+json'],
        bodies: [podKind, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, data: { a: 'eA==' } }, { apiVersion: 'sedna.io/v1alpha1', kind: 'Dataset', metadata: { name: 'd' }, spec: { url: '/tmp/x.txt', format: 'txt', nodeName: 'edge-1' } }, [{ op: 'add', path: '/metadata/labels', value: { a: 'b' } }], { metadata: { labels: { a: 'b' } } }],
      },
      { name: 'hub', ...local, port: hubPort, token, websocket: true, headers: { 'Node-Name': 'fuzz-node' }, paths: ['/', '/ws', '/healthz'], contentTypes: ['application/json'] },
      { name: 'lc-report', ...local, port: lc.reportPort, paths: ['/sedna/workers/fuzz-worker/info', '/healthz'], contentTypes: ['application/json'], bodies: REPORT_KINDS.map(report), accepts: { method: 'POST', path: '/sedna/workers/fuzz-worker/info', contentType: 'application/json' } },
      { name: 'lc-node-api', ...local, port: lc.nodeApiPort, token, paths: ['/pods/default/p1/log', '/pods/default/p1/log?follow=true', '/pods/default/p1/log?tailLines=3'], contentTypes: [] },
      { name: 'knowledge-base', ...local, port: kb.address.port, token: jobToken, paths: ['/knowledgebase', '/knowledgebase/update', '/knowledgebase/update/status', '/knowledgebase/query', '/knowledgebase/file/upload', '/knowledgebase/file/download?files=index.pkl', '/knowledgebase/files/index.pkl'], contentTypes: ['multipart/form-data; boundary=x', 'application/json'], bodies: [{ status: 1, tasks: 'a,b' }, { tasks: ['a'] }], accepts: { method: 'POST', path: '/knowledgebase/query', contentType: 'application/json' } },
      { name: 'aggregation-server', ...local, port: aggPort, token: jobToken, websocket: true, paths: ['/', '/fl-job', '/?client_id=x'], contentTypes: ['application/json'], bodies: [{ client_id: 'x' }] },
      { name: 'big-model-service', ...local, port: servicePort, paths: ['/sedna/predict', '/sedna', '/healthz'], contentTypes: ['application/json', 'application/x-sedna-tensor'], bodies: [{ data: [[1, 2, 3]] }, { data: [[1, 2], [3, 4]], callback: null }], accepts: { method: 'POST', path: '/sedna/predict', contentType: 'application/json' } },
    ];
    return {
      endpoints,
      api,
      lc,
      reportsAtGm,
      drained: async (timeoutMs) => {
        const deadline = Date.now() + timeoutMs;
        while (lc.client.pendingUpstream() > 0) {
          if (Date.now() > deadline) return false;
          await new Promise((r) => setTimeout(r, 50));
        }
        return true;
      },
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}
