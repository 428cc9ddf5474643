/**
 * federatedlearning under `simulation`: a real FederatedLearningJob on the simulated control plane. The train set
 * is partitioned as in-process (fl_data_setting), each client's part becomes a Dataset on an edge node (clients
 * dealt round-robin over the edge nodes), the aggregator runs on the cloud node; the workers are this package's
 * simulation/workers programs, which build the case's basemodel and aggregation modules and use the lib's
 * AggregationServer and FederatedLearning client. The job is applied with kubectl, followed to Succeeded or
 * Failed, and deleted; the final global model predicts the test set. System info: bytes per emulated link (from
 * the interfaces' counters) or as the trainers counted them, and the trainers' per-round wait for the next model.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { moduleInstance, requireModule } from '../cases/modules.js';
import { applyObjects, simulationOf, waitForSucceeded, workerContainer } from '../simulation/cluster-job.js';
import { partitionClients } from './federated.js';
import { predictedClasses } from './data.js';
import type { BaseModel, Paradigm } from './types.js';

export const federatedOnCluster: Paradigm = async (ctx) => {
  const { spec } = ctx;
  const sim = simulationOf(ctx);
  if (sim.edgeNodes.length === 0) throw new Error('simulation: federated learning needs edge_number >= 1 (the training workers run on edge nodes)');
  const base = requireModule(spec.modules, 'basemodel', 'federatedlearning');
  const agg = requireModule(spec.modules, 'aggregation', 'federatedlearning');
  const { pool, parts } = partitionClients(await ctx.train(), spec);
  const name = `bench-${spec.id.slice(0, 8)}`;
  const objects: Record<string, unknown>[] = [];
  parts.forEach((part, k) => {
    const dir = join(spec.outputDir, 'data', `client-${k}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'index.txt'), part.map((i) => `${pool.ids[i]} ${pool.y[i]}`).join('\n') + '\n');
    objects.push({ apiVersion: 'sedna.io/v1alpha1', kind: 'Dataset', metadata: { name: `${name}-c${k}`, namespace: 'default' }, spec: { url: join(dir, 'index.txt'), format: 'txt', nodeName: sim.edgeNodes[k % sim.edgeNodes.length] } });
  });
  objects.push({ apiVersion: 'sedna.io/v1alpha1', kind: 'Model', metadata: { name: `${name}-global`, namespace: 'default' }, spec: { url: join(spec.outputDir, 'output', 'global'), format: 'tfjs' } });
  const hp = base.hyperparameters;
  const container = (program: string, values: Record<string, unknown>) => workerContainer(ctx, program, values);
  objects.push({
    apiVersion: 'sedna.io/v1alpha1',
    kind: 'FederatedLearningJob',
    metadata: { name, namespace: 'default' },
    spec: {
      aggregationWorker: {
        model: { name: `${name}-global` },
        template: { spec: { nodeName: sim.cloudNodes[0], containers: [container('fl-aggregator.js', { exit_round: spec.testenv.round, aggregation_algorithm: agg.name, aggregation_parameters: JSON.stringify(agg.hyperparameters), min_clients: parts.length, round_timeout_seconds: 600 })] } },
      },
      trainingWorkers: parts.map((_, k) => ({ dataset: { name: `${name}-c${k}` }, template: { spec: { containers: [container('fl-trainer.js', { epochs: hp.epochs, batch_size: hp.batch_size, learning_rate: hp.learning_rate })] } } })),
    },
  });
  const applied = applyObjects(ctx, objects);
  ctx.log(`applied FederatedLearningJob ${name}: ${parts.length} training workers on ${[...new Set(parts.map((_, k) => sim.edgeNodes[k % sim.edgeNodes.length]))].join(', ')}, the aggregator on ${sim.cloudNodes[0]}`);
  try {
    await waitForSucceeded(ctx, 'FederatedLearningJob', name);
  } finally {
    applied.remove();
  }
  ctx.log(`FederatedLearningJob ${name} Succeeded`);
  const trainersDir = join(spec.outputDir, 'output', 'trainers');
  const reports = existsSync(trainersDir) ? readdirSync(trainersDir).filter((f) => f.endsWith('.json')).map((f) => JSON.parse(readFileSync(join(trainersDir, f), 'utf8')) as { bytesSent: number; bytesReceived: number; waitMs: number[]; model: string }) : [];
  if (reports.length === 0) throw new Error(`the job succeeded but no training worker wrote its result under ${trainersDir}`);
  const global = await moduleInstance<BaseModel>(base);
  await global.load(reports[0]?.model as string);
  const test = await ctx.test();
  const predictions = predictedClasses(await global.predict(test.x));
  global.dispose?.();
  const bytes: Record<string, number> = sim.links.length > 0 ? applied.linkBytesSince() : { 'trainers<->aggregator': reports.reduce((s, r) => s + r.bytesSent + r.bytesReceived, 0) };
  return { predictions, system: { bytes_per_link: bytes, latencies_ms: reports.flatMap((r) => r.waitMs) } };
};
