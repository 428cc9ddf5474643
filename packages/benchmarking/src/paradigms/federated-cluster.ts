/**
 * federatedlearning under `simulation`: a real FederatedLearningJob on the simulated control plane. The train set
 * is partitioned as in-process (fl_data_setting), each client's part becomes a Dataset on an edge node (clients
 * dealt round-robin over the edge nodes), the aggregator runs on the cloud node; the workers are this package's
 * simulation/workers programs, which build the case's basemodel and aggregation modules and use the lib's
 * AggregationServer and FederatedLearning client. The job is applied with kubectl, followed to Succeeded or
 * Failed, and deleted; the final global model predicts the test set. System info: bytes per emulated link (from
 * the interfaces' counters) or as the trainers counted them, and the trainers' per-round wait for the next model.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { moduleInstance, requireModule } from '../cases/modules.js';
import { linkBytes } from '../simulation/links.js';
import { sednaMain } from '../simulation/cluster.js';
import { partitionClients } from './federated.js';
import { predictedClasses } from './data.js';
import type { BaseModel, Paradigm, ParadigmContext } from './types.js';

const WORKERS = fileURLToPath(new URL('../simulation/workers/', import.meta.url));

function kubectl(ctx: ParadigmContext, args: string[], input?: string): string {
  const sim = ctx.spec.simulation as NonNullable<ParadigmContext['spec']['simulation']>;
  const r = spawnSync(process.execPath, [sednaMain(), ...args, '--kubeconfig', sim.kubeconfig], { input, encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`kubectl ${args.join(' ')}: ${(r.stderr || r.stdout || String(r.error)).trim()}`);
  return r.stdout;
}

export const federatedOnCluster: Paradigm = async (ctx) => {
  const { spec } = ctx;
  const sim = spec.simulation as NonNullable<typeof spec.simulation>;
  if (sim.edgeNodes.length === 0) throw new Error('simulation: federated learning needs edge_number >= 1 (the training workers run on edge nodes)');
  const base = requireModule(spec.modules, 'basemodel', 'federatedlearning');
  const agg = requireModule(spec.modules, 'aggregation', 'federatedlearning');
  const { pool, parts } = partitionClients(await ctx.train(), spec);
  const name = `bench-${spec.id.slice(0, 8)}`;
  const caseFile = join(spec.outputDir, 'case.json');
  const objects: Record<string, unknown>[] = [];
  parts.forEach((part, k) => {
    const dir = join(spec.outputDir, 'data', `client-${k}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'index.txt'), part.map((i) => `${pool.ids[i]} ${pool.y[i]}`).join('\n') + '\n');
    objects.push({ apiVersion: 'sedna.io/v1alpha1', kind: 'Dataset', metadata: { name: `${name}-c${k}`, namespace: 'default' }, spec: { url: join(dir, 'index.txt'), format: 'txt', nodeName: sim.edgeNodes[k % sim.edgeNodes.length] } });
  });
  objects.push({ apiVersion: 'sedna.io/v1alpha1', kind: 'Model', metadata: { name: `${name}-global`, namespace: 'default' }, spec: { url: join(spec.outputDir, 'output', 'global'), format: 'tfjs' } });
  const env = (values: Record<string, unknown>) => Object.entries(values).filter(([, v]) => v !== undefined).map(([k, v]) => ({ name: k, value: String(v) }));
  const hp = base.hyperparameters;
  const container = (program: string, values: Record<string, unknown>) => ({ name: 'worker', image: 'sedna-benchmark-worker:ts', command: [process.execPath, join(WORKERS, program)], workingDir: spec.outputDir, env: env({ CASE_SPEC: caseFile, ...values }) });
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
  const manifest = objects.map((o) => stringify(o)).join('---\n');
  writeFileSync(join(spec.outputDir, 'simulation-job.yaml'), manifest);
  const before = sim.links.map((l) => ({ node: l.node, ...linkBytes(l) }));
  kubectl(ctx, ['apply', '-f', '-'], manifest);
  ctx.log(`applied FederatedLearningJob ${name}: ${parts.length} training workers on ${[...new Set(parts.map((_, k) => sim.edgeNodes[k % sim.edgeNodes.length]))].join(', ')}, the aggregator on ${sim.cloudNodes[0]}`);
  try {
    const deadline = Date.now() + 30 * 60_000;
    for (;;) {
      const job = JSON.parse(kubectl(ctx, ['get', 'federatedlearningjob', name, '-o', 'json'])) as { status?: { phase?: string; conditions?: { type: string; message?: string }[] } };
      const phase = job.status?.phase;
      if (phase === 'Succeeded') break;
      if (phase === 'Failed') throw new Error(`the FederatedLearningJob failed: ${job.status?.conditions?.at(-1)?.message ?? 'no message'}`);
      if (Date.now() > deadline) throw new Error(`the FederatedLearningJob did not finish within 30 minutes (phase ${phase ?? 'unknown'})`);
      await new Promise((r) => setTimeout(r, 1000));
    }
  } finally {
    try {
      kubectl(ctx, ['delete', '--ignore-not-found', '-f', '-'], manifest);
    } catch (err) {
      ctx.log(`cleaning up the job: ${(err as Error).message}`);
    }
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
  const bytes: Record<string, number> =
    before.length > 0
      ? Object.fromEntries(before.map((b) => {
          const now = linkBytes(sim.links.find((l) => l.node === b.node) as { hostIf: string });
          return [b.node, now.toEdge - b.toEdge + now.fromEdge - b.fromEdge];
        }))
      : { 'trainers<->aggregator': reports.reduce((s, r) => s + r.bytesSent + r.bytesReceived, 0) };
  return { predictions, system: { bytes_per_link: bytes, latencies_ms: reports.flatMap((r) => r.waitMs) } };
};
