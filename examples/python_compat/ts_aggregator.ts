/**
 * An aggregation worker of this lib: AggregationServer from the environment the GM gives (AGG_BIND_IP,
 * AGG_BIND_PORT, PARTICIPANTS_COUNT, MODEL_URL, exit_round, ...), with no estimator: it averages whatever weights the
 * workers send and writes them to MODEL_URL (inside it when it is a folder) in the lib's binary weights format.
 */
import { aggregationServerFromEnv } from './sedna-lib.js';

async function main(): Promise<void> {
  const { server } = await aggregationServerFromEnv();
  const result = await server.run();
  console.log(`aggregator: ${result.rounds} round(s); model at ${result.model?.url ?? '(MODEL_URL not set)'}`);
}

main().catch((error: unknown) => {
  console.error(`aggregator failed: ${(error as Error).stack ?? String(error)}`);
  process.exit(1);
});
