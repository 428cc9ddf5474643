/**
 * jointinference under `simulation`: a real JointInferenceService on the simulated control plane. The case trains
 * the edgemodel and cloudmodel modules on the train set (as in-process), saves both as Models; the service's cloud
 * worker (the lib's BigModelService around the cloudmodel module) runs on the cloud node, its edge worker (the
 * lib's JointInference around the edgemodel module, with the case's hard example mining as the service's
 * hardExampleMining) on the first edge node. The GM gives them their environment (MODEL_URL, HEM_NAME,
 * HEM_PARAMETERS, BIG_MODEL_IP/PORT). The edge worker infers the test set one sample at a time and writes its
 * answers and per-sample latencies; a service has no end phase, so the case waits for that file, then deletes the
 * service. System info: bytes on the edge node's emulated link (its interface counters) or, without links, the
 * samples and answers the edge worker sent and got; the per-sample latencies through the real cloud call.
 */
import { join } from 'node:path';
import { moduleClass, moduleInstance, requireModule } from '../cases/modules.js';
import { applyObjects, simulationOf, waitForWorkerFile, workerContainer } from '../simulation/cluster-job.js';
import type { EdgeWorkerResult } from '../simulation/workers/ji-edge.js';
import type { BaseModel, Paradigm } from './types.js';

export const jointInferenceOnCluster: Paradigm = async (ctx) => {
  const { spec } = ctx;
  const sim = simulationOf(ctx);
  const edgeNode = sim.edgeNodes[0];
  const cloudNode = sim.cloudNodes[0];
  if (!edgeNode || !cloudNode) throw new Error('simulation: joint inference needs cloud_number >= 1 and edge_number >= 1 (the edge worker runs on an edge node, the big model on a cloud node)');
  const hem = requireModule(spec.modules, 'hard_example_mining', 'jointinference');
  await moduleClass(hem);
  const train = await ctx.train();
  const models: Record<string, string> = {};
  for (const type of ['edgemodel', 'cloudmodel'] as const) {
    const model = await moduleInstance<BaseModel>(requireModule(spec.modules, type, 'jointinference'));
    ctx.log(`training the ${type} on ${train.y.length} samples`);
    await model.train(train.x, train.y);
    models[type] = await model.save(join(ctx.outputDir, 'models', type));
    model.dispose?.();
  }
  const name = `bench-${spec.id.slice(0, 8)}`;
  const resultFile = join(ctx.outputDir, 'edge-worker.json');
  const mode = spec.testenv.extra.hard_example_mining_mode as string | undefined;
  const model = (suffix: string, url: string) => ({ apiVersion: 'sedna.io/v1alpha1', kind: 'Model', metadata: { name: `${name}-${suffix}`, namespace: 'default' }, spec: { url, format: 'tfjs' } });
  const objects = [
    model('edge', models.edgemodel as string),
    model('cloud', models.cloudmodel as string),
    {
      apiVersion: 'sedna.io/v1alpha1',
      kind: 'JointInferenceService',
      metadata: { name, namespace: 'default' },
      spec: {
        edgeWorker: {
          model: { name: `${name}-edge` },
          hardExampleMining: { name: hem.name, parameters: Object.entries(hem.hyperparameters).map(([key, value]) => ({ key, value: typeof value === 'string' ? value : JSON.stringify(value) })) },
          template: { spec: { nodeName: edgeNode, containers: [workerContainer(ctx, 'ji-edge.js', { RESULT_FILE: resultFile, MINING_MODE: mode })] } },
        },
        cloudWorker: {
          model: { name: `${name}-cloud` },
          template: { spec: { nodeName: cloudNode, containers: [workerContainer(ctx, 'ji-cloud.js', {})] } },
        },
      },
    },
  ];
  const applied = applyObjects(ctx, objects);
  ctx.log(`applied JointInferenceService ${name}: the edge worker on ${edgeNode}, the big model on ${cloudNode}`);
  let result: EdgeWorkerResult;
  let linkBytes: Record<string, number>;
  try {
    result = await waitForWorkerFile<EdgeWorkerResult>(resultFile, 'the edge worker');
    linkBytes = applied.linkBytesSince();
  } finally {
    applied.remove();
  }
  ctx.log(`${result.hard} of ${result.predictions.length} samples went to the cloud (${result.cloudFailures} cloud call(s) failed)`);
  if (result.cloudFailures > 0) throw new Error(`${result.cloudFailures} cloud call(s) of the edge worker failed: ${result.lastCloudFailure ?? ''}`);
  return {
    predictions: Int32Array.from(result.predictions),
    system: {
      samples_transfer_ratio: [[result.predictions.length, result.hard]],
      bytes_per_link: sim.links.length > 0 ? linkBytes : { 'edge->cloud': result.bytesUp, 'cloud->edge': result.bytesDown },
      latencies_ms: result.latenciesMs,
    },
  };
};
