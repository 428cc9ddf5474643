/**
 * The GM configuration file, as the original's `gm.yaml` (ControllerConfig), plus the channel token:
 *   kubeConfig: ""                                   # "" = the embedded API's kubeconfig or in-cluster
 *   namespace: ""                                    # "" = all namespaces
 *   websocket: { address: 0.0.0.0, port: 9000 }
 *   localController: { server: http://localhost:9100 }     # given to workers as LC_SERVER
 *   knowledgeBaseServer: { server: http://localhost:9020 } # given to workers as KB_SERVER
 *   nodeToken: <secret>                              # LCs must present it (Authorization: Bearer)
 *   apiSocket: ""                                    # the embedded API server's Unix socket: requests skip TLS
 *   metrics: { address: "" }                         # HOST:PORT serving /metrics without a token ("" = only on the hub port, with it)
 *   broker: { url: "" }                              # nats://HOST:PORT for multi-edge workers with kafkaSupport ("" = none)
 *   autoscaling: { syncPeriodSeconds: 15 }           # embedded mode: how often autoscaled workers' metrics are read
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { s, type Infer } from '@sedna/api';

export const GmConfigSchema = s.object({
  kubeConfig: s.string().default(''),
  master: s.string().default(''),
  namespace: s.string().default(''),
  websocket: s.object({ address: s.string().default('0.0.0.0'), port: s.int32({ minimum: 0, maximum: 65535 }).default(9000) }).default({ address: '0.0.0.0', port: 9000 }),
  localController: s.object({ server: s.string().default('http://localhost:9100') }).default({ server: 'http://localhost:9100' }),
  knowledgeBaseServer: s.object({ server: s.string().default('http://localhost:9020') }).default({ server: 'http://localhost:9020' }),
  minResyncPeriodSeconds: s.int32({ minimum: 1 }).default(30),
  nodeToken: s.string().default(''),
  /** Secret of the per-job credentials workers get (SEDNA_JOB_CREDENTIAL); empty: none. */
  jobCredentialSecret: s.string().default(''),
  /** The embedded API server's local Unix socket ("" = none): the GM's requests go there as plain HTTP. */
  apiSocket: s.string().default(''),
  /** Seconds without heartbeats before a node is NotReady. */
  nodeGracePeriodSeconds: s.int32({ minimum: 1 }).default(40),
  /** `address`: HOST:PORT of a listener serving only /metrics, without authentication ("" = none). */
  metrics: s.object({ address: s.string().default('') }).default({ address: '' }),
  /** `url`: the message broker (nats://HOST:PORT) given to multi-edge workers with kafkaSupport whose template names none ("" = none). */
  broker: s.object({ url: s.string().default('') }).default({ url: '' }),
  /** Embedded mode's autoscaler of joint inference workers: seconds between readings of their metrics (the HPA's sync period). */
  autoscaling: s.object({ syncPeriodSeconds: s.float({ minimum: 0.1 }).default(15) }).default({ syncPeriodSeconds: 15 }),
});
export type GmConfig = Infer<typeof GmConfigSchema>;

export function parseGmConfig(value: unknown, source = 'config'): GmConfig {
  const { value: config, errors } = GmConfigSchema.parse(value ?? {});
  if (!config) throw new Error(`${source}: ${errors.map((e) => `${e.field}: ${e.message}`).join('; ')}`);
  return config;
}

export function loadGmConfig(path: string): GmConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`cannot read the GM configuration ${path}: ${(err as Error).message}`, { cause: err });
  }
  return parseGmConfig(parse(text), path);
}
