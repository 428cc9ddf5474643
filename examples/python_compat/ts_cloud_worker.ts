/**
 * A cloud worker of this lib: BigModelService from the environment the GM gives (JOB_NAME, BIG_MODEL_BIND_IP,
 * BIG_MODEL_BIND_PORT), with a small dense model made in place (MODEL_URL is not read: the test has no model file).
 */
import { BigModelService, MlpEstimator } from './sedna-lib.js';

const estimator = new MlpEstimator({ spec: { inputShape: [4], layers: [{ type: 'dense', units: 4, activation: 'softmax' }] }, seed: 3 });
const service = new BigModelService({ estimator, modelUrl: false });
service.start().then(
  ({ url }) => console.log(`big model service at ${url}`),
  (error: unknown) => {
    console.error(`cloud worker failed: ${(error as Error).message}`);
    process.exit(1);
  },
);
