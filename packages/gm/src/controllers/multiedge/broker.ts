/**
 * The broker of an owner with `kafkaSupport`. The original set KAFKA_ENABLED and left the address to the template
 * (KAFKA_BIND_IPS/KAFKA_BIND_PORTS of a Kafka the user deployed beside). Here the template may still give it
 * (KAFKA_BIND_IPS/_PORTS, or BROKER_URL: the lib maps both to NATS servers); else the control plane's broker
 * (`sedna up --broker nats`: Debian's nats-server with JetStream, GM configuration `broker.url`) is handed over as
 * BROKER_URL; with neither the owner waits, its condition saying what to run, rather than starting workers that
 * cannot connect.
 */
import type { PodTemplateSpec } from '@sedna/api';
import type { WorkerGroup } from './worker-groups.js';
import { WORKER_ENV } from '@sedna/api/contracts';

/** The variables by which a template names its own broker. */
const TEMPLATE_BROKER_ENV: readonly string[] = [WORKER_ENV.BROKER_URL, WORKER_ENV.KAFKA_BIND_IPS];

function templateNamesBroker(template: PodTemplateSpec): boolean {
  return template.spec.containers.some((c) => (c.env ?? []).some((e) => TEMPLATE_BROKER_ENV.includes(e.name) && (Boolean(e.value) || e.valueFrom !== undefined)));
}

export function brokerEnv(group: WorkerGroup, brokerUrl: string | undefined): { env: Record<string, string> } | { missing: string } {
  if (!group.kafkaSupport) return group.stateBroker && brokerUrl && !templateNamesBroker(group.template) ? { env: { BROKER_URL: brokerUrl } } : { env: {} };
  if (templateNamesBroker(group.template)) return { env: { KAFKA_ENABLED: 'true' } };
  if (brokerUrl) return { env: { KAFKA_ENABLED: 'true', BROKER_URL: brokerUrl } };
  return {
    missing:
      `kafkaSupport is true but no broker is known for the ${group.workerType} worker: start the control plane with one ` +
      '(`sedna up --broker nats` runs Debian\'s nats-server with JetStream), or set KAFKA_BIND_IPS and KAFKA_BIND_PORTS ' +
      '(or BROKER_URL=nats://host:port) in its env to a `nats-server -js` you run',
  };
}
