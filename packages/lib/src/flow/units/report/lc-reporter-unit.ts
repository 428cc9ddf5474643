/**
 * `lc_reporter`: counts the items that pass as inferences, the ones a mining unit marked hard as hard examples, and
 * reports them to the LC every LC_PERIOD seconds with the lib's LCReporter (`inferenceNumber`,
 * `hardExampleNumber`, `uploadCloudRatio`: what a joint inference service shows in its status), once more at the
 * end of the stream. Items pass through unchanged.
 */
import { LCClient } from '../../../reporter/lc-client.js';
import { LCReporter, lcPeriodMsFromEnv } from '../../../reporter/lc-reporter.js';
import { workerIdentityFromEnv, type OwnerKind } from '../../../reporter/message.js';
import type { UnitDefinition } from '../../types.js';
import { defineUnit, option } from '../define.js';

const reporter = defineUnit({
  name: 'lc_reporter',
  kind: 'normal',
  description: 'Reports inference and hard example counts to the local controller (LC_SERVER) every LC_PERIOD seconds; passes items on',
  inputs: [['in_data', 'any']],
  outputs: [['out_data', 'any']],
  options: [{ name: 'owner_kind', type: 'string', description: 'the kind that owns this worker', default: 'jointinferenceservice' }],
  open(context) {
    const identity = workerIdentityFromEnv(option<string>(context, 'owner_kind') as OwnerKind, context.env);
    const lc = new LCReporter({ client: LCClient.fromEnv(context.env), identity, periodMs: lcPeriodMsFromEnv(context.env), onError: (e) => context.log(`report failed: ${(e as Error).message}`) });
    lc.start();
    return {
      process: (batch) =>
        batch.map((item) => {
          const value = item.ports.in_data as { hard?: unknown } | undefined;
          if (item.meta.hard === true || value?.hard === true) lc.updateForCollaborationInference();
          else lc.updateForEdgeInference();
          return { ports: { out_data: item.ports.in_data } };
        }),
      async close() {
        await lc.stop();
        await lc.flush().catch(() => false);
      },
    };
  },
});

export const reportUnits: UnitDefinition[] = [reporter];
