/**
 * A training worker of a simulated federated learning case (a Pod on an edge node): the lib's FederatedLearning
 * client on the partition its Dataset names (TRAIN_DATASET_URL), its model the case's basemodel module. It writes
 * what it measured (bytes, per-round wait for the next global model) and the final global model under
 * `<case dir>/output/trainers/`.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readImageSet } from '@sedna/lib/datasources';
import { FederatedLearning } from '@sedna/lib/federated-learning';
import { moduleInstance, requireModule } from '../../cases/modules.js';
import type { CaseSpec } from '../../cases/spec.js';
import type { BaseModel } from '../../paradigms/types.js';

const spec = JSON.parse(readFileSync(process.env.CASE_SPEC as string, 'utf8')) as CaseSpec;
try {
  const data = await readImageSet(process.env.TRAIN_DATASET_URL as string, { dataType: 'train' });
  const estimator = await moduleInstance<BaseModel>(requireModule(spec.modules, 'basemodel', 'federatedlearning'));
  const worker = new FederatedLearning({ estimator });
  const result = await worker.train({ x: data.x, y: data.y });
  const dir = join(spec.outputDir, 'output', 'trainers');
  mkdirSync(dir, { recursive: true });
  const name = worker.workerName;
  const model = await result.estimator.save(join(dir, `${name}-model`));
  writeFileSync(
    join(dir, `${name}.json`),
    JSON.stringify({ samples: data.y.length, rounds: result.rounds, bytesSent: result.bytesSent, bytesReceived: result.bytesReceived, waitMs: result.timings.map((t) => t.waitMs), model }),
  );
  console.log(`trainer ${name}: ${result.rounds} round(s), ${result.bytesSent} bytes sent`);
  process.exit(0);
} catch (err) {
  console.error(`trainer failed: ${(err as Error).stack ?? String(err)}`);
  process.exit(1);
}
