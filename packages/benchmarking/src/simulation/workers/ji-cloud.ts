/**
 * The cloud worker of a simulated joint inference case (a Pod of a JointInferenceService on the cloud node): the
 * lib's BigModelService around the case's cloudmodel module; MODEL_URL, JOB_NAME and BIG_MODEL_BIND_IP/PORT come
 * from the GM. It serves until stopped.
 */
import { readFileSync } from 'node:fs';
import { BigModelService } from '@sedna/lib';
import { moduleInstance, requireModule } from '../../cases/modules.js';
import type { CaseSpec } from '../../cases/spec.js';
import type { BaseModel } from '../../paradigms/types.js';

const spec = JSON.parse(readFileSync(process.env.CASE_SPEC as string, 'utf8')) as CaseSpec;
try {
  const estimator = await moduleInstance<BaseModel>(requireModule(spec.modules, 'cloudmodel', 'jointinference'));
  const service = new BigModelService({ estimator, log: (line) => console.log(`[cloud] ${line}`) });
  const address = await service.start();
  console.log(`[cloud] serving ${address.url}`);
  process.once('SIGTERM', () => void service.stop().finally(() => process.exit(0)));
} catch (err) {
  console.error(`cloud worker failed: ${(err as Error).stack ?? String(err)}`);
  process.exit(1);
}
