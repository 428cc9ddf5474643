/**
 * FeatureExtractionService: the feature extractor (cloud by default) behind Service `<name>-fe` on port 6000;
 * `replicas` workers (default 1; the original panicked on an omitted replicas), a Deployment `<name>-deployment-fe` on
 * a real cluster. Env: SERVICE_NAME, MODEL_URL, FE_MODEL_BIND_URL/_PORT, KAFKA_ENABLED and the broker's address with kafkaSupport (../multiedge/broker.ts).
 */
import type { ServiceKindDeclaration } from '../multiedge/service-controller.js';
import { WORKER_ENV } from '@sedna/api/contracts';

export const FE_PORT = 6000;

export const featureExtraction: ServiceKindDeclaration<'FeatureExtractionService'> = {
  name: 'featureextraction',
  kind: 'FeatureExtractionService',
  groups: (owner, model) => {
    const spec = owner.spec;
    const m = model(spec.model.name);
    if (!m) return { waitingFor: `model ${spec.model.name}` };
    const name = owner.metadata.name!;
    return [
      {
        workerType: 'fe',
        template: spec.template,
        replicas: spec.replicas ?? 1,
        env: { SERVICE_NAME: name, MODEL_NAME: spec.model.name, MODEL_URL: m.url },
        kafkaSupport: spec.kafkaSupport ?? false,
        defaultRole: 'cloud',
        service: { suffix: 'fe', port: FE_PORT, bindEnv: { host: WORKER_ENV.FE_MODEL_BIND_URL, port: WORKER_ENV.FE_MODEL_BIND_PORT } },
        deployment: `${name}-deployment-fe`,
      },
    ];
  },
};
