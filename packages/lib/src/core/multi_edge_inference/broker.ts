/**
 * Which message broker a worker uses, from its environment: BROKER_URL (`nats://host:port[,nats://...]`), else the
 * original's Kafka variables (KAFKA_ENABLED=true with KAFKA_BIND_IPS and KAFKA_BIND_PORTS, `|`-separated), which are
 * mapped to NATS servers at the same addresses and said so in the log: there is no Kafka broker on Debian, and NATS
 * JetStream gives the same topics, consumer groups and replay. Neither set: REST on the original paths.
 */
import type { Env } from '../../common/config.js';
import { WORKER_ENV } from '@sedna/api/contracts';

export interface BrokerConfig {
  kind: 'nats';
  servers: string[];
  /** How the configuration was found, for the log. */
  source: string;
}

export function brokerFromEnv(env: Env = process.env, log: (msg: string) => void = () => undefined): BrokerConfig | undefined {
  const url = env[WORKER_ENV.BROKER_URL]?.trim();
  if (url) {
    const servers = url.split(',').map((s) => s.trim()).filter(Boolean);
    for (const s of servers) if (!/^nats:\/\/[^/\s]+$/.test(s)) throw new Error(`BROKER_URL must be nats://host:port (comma-separated for several); got ${JSON.stringify(s)}`);
    log(`using the NATS JetStream broker at ${servers.join(', ')} (BROKER_URL)`);
    return { kind: 'nats', servers, source: WORKER_ENV.BROKER_URL };
  }
  if ((env[WORKER_ENV.KAFKA_ENABLED] ?? '').toLowerCase() !== 'true') return undefined;
  const ips = (env[WORKER_ENV.KAFKA_BIND_IPS] ?? '').split('|').map((s) => s.trim()).filter(Boolean);
  const ports = (env[WORKER_ENV.KAFKA_BIND_PORTS] ?? '').split('|').map((s) => s.trim()).filter(Boolean);
  if (ips.length === 0) throw new Error('KAFKA_ENABLED is true but KAFKA_BIND_IPS is empty: set the broker addresses (|-separated), or BROKER_URL');
  if (ports.length !== ips.length && ports.length !== 1) throw new Error(`KAFKA_BIND_PORTS must give one port, or one per KAFKA_BIND_IPS entry (${ips.length}); got ${JSON.stringify(env[WORKER_ENV.KAFKA_BIND_PORTS] ?? '')}`);
  const servers = ips.map((ip, i) => {
    const port = Number(ports[ports.length === 1 ? 0 : i]);
    if (!Number.isInteger(port) || port <= 0 || port > 65535) throw new Error(`KAFKA_BIND_PORTS: ${JSON.stringify(ports[i])} is not a port`);
    return `nats://${ip}:${port}`;
  });
  log(`KAFKA_ENABLED: using the NATS JetStream broker at ${servers.join(', ')} (KAFKA_BIND_IPS/KAFKA_BIND_PORTS mapped; topics become subjects, the consumer group one durable consumer per service)`);
  return { kind: 'nats', servers, source: 'KAFKA_*' };
}
