/**
 * The aggregation worker of a simulated federated learning case (a Pod on the cloud node): the lib's
 * AggregationServer from the GM's environment, its model the case's basemodel module (CASE_SPEC: the case file).
 */
import { readFileSync } from 'node:fs';
import { aggregationServerFromEnv } from '@sedna/lib/federated-learning';
import { moduleClass, moduleInstance, requireModule } from '../../cases/modules.js';
import type { CaseSpec } from '../../cases/spec.js';
import type { BaseModel } from '../../paradigms/types.js';

const spec = JSON.parse(readFileSync(process.env.CASE_SPEC as string, 'utf8')) as CaseSpec;
try {
  // A user aggregation module registers itself before the server looks its name up.
  await moduleClass(requireModule(spec.modules, 'aggregation', 'federatedlearning'));
  const estimator = await moduleInstance<BaseModel>(requireModule(spec.modules, 'basemodel', 'federatedlearning'));
  const { server } = await aggregationServerFromEnv({ estimator });
  const result = await server.run();
  console.log(`aggregator: ${result.rounds} round(s)`);
  process.exit(0);
} catch (err) {
  console.error(`aggregator failed: ${(err as Error).stack ?? String(err)}`);
  process.exit(1);
}
