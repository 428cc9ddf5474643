/**
 * The feature extraction service (FeatureExtractionService, cloud): crops in, L2-normalised features out, over REST
 * on the original paths (FE_MODEL_BIND_URL/_PORT, default 6000) and, when a broker is configured (BROKER_URL or the
 * original KAFKA_* variables), from the `object_detection` subject back to each camera's `enriched_object` subject.
 * `get_target_features` turns query images into target features, answering 400 when an image shows no object.
 * `update_service` with `extra.model_url` swaps in a new model while the service keeps answering (the old one serves
 * until the new one has loaded, and goes on serving when it cannot be).
 */
import { OwnerKinds } from './owner-kinds.js';
import { brokerFromEnv, cropsOf, NatsServer, pluginEndpoint, RestServer, serviceUpdateOf, withFeatures, WireError, type DetTrackMessage } from '@sedna/lib/multi_edge_inference';
import { multiEdgeRecorder } from '@sedna/lib/metrics';
import { FeatureExtractor } from './embedder.js';
import { log, Reporter } from './worker-common.js';

const WHO = `fe ${process.env.WORKER_NAME ?? ''}`;
const model = process.env.MODEL_URL;
if (!model) throw new Error('MODEL_URL is not set: the feature extractor needs its ONNX model');
const extractor = new FeatureExtractor();
await extractor.load(model);
const reporter = new Reporter(OwnerKinds.fe, WHO);
const metrics = multiEdgeRecorder();
const counters = { messages: 0, boxes: 0, queries: 0, modelUpdates: 0 };
/** What the LC and GET /feature_extraction/status are told. */
const state = () => ({ ...counters, modelVersion: extractor.version ?? '' });

async function extract(message: DetTrackMessage): Promise<DetTrackMessage> {
  const started = performance.now();
  const features = await extractor.embedCrops(cropsOf(message), false);
  metrics.extraction(features.length, (performance.now() - started) / 1000);
  counters.messages++;
  counters.boxes += features.length;
  void reporter.report(state());
  return withFeatures(message, features, extractor.dim);
}

const endpoint = pluginEndpoint('Feature_Extraction');
const rest = new RestServer({
  host: endpoint.host,
  port: endpoint.port,
  service: endpoint.service,
  routes: {
    feature_extraction: extract,
    get_target_features: async (message) => {
      const features = await extractor.embedCrops(cropsOf(message), true);
      counters.queries += features.length;
      return withFeatures(message, features, extractor.dim);
    },
    update_service: async (message) => {
      const update = serviceUpdateOf(message);
      if (update.op_mode !== undefined || update.queries) throw new WireError('update_service: the feature extractor takes extra.model_url (a new model) only');
      const version = await extractor.update(update.model_url!, update.model_version);
      counters.modelUpdates++;
      log(WHO, `now serving the model ${update.model_url} (version ${version})`);
      void reporter.report(state());
      return { ...message, header: { ...message.header, extra: { model_url: update.model_url, model_version: version } } };
    },
  },
  status: state,
  log: (m) => log(WHO, m),
});
const address = await rest.listen();
metrics.transport('rest', rest.stats);
log(WHO, `serving /feature_extraction on ${address.address}:${address.port}`);
const broker = brokerFromEnv(process.env, (m) => log(WHO, m));
let nats: NatsServer | undefined;
if (broker) {
  nats = new NatsServer({ broker, namespace: process.env.NAMESPACE ?? 'default', service: endpoint.name, inTopic: 'object_detection', outTopic: 'enriched_object', log: (m) => log(WHO, m) }, extract);
  await nats.start();
  metrics.transport('nats', nats.stats);
  log(WHO, `consuming object_detection from ${broker.servers.join(', ')}`);
}
await reporter.report(state(), 'running', true);
const stop = async () => {
  await nats?.close();
  await rest.close();
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
