/**
 * The GM configuration file, as the original's `gm.yaml` (ControllerConfig), plus the channel token:
 *   kubeConfig: ""                                   # "" = the embedded API's kubeconfig or in-cluster
 *   namespace: ""                                    # "" = all namespaces
 *   websocket: { address: 0.0.0.0, port: 9000 }
 *   localController: { server: http://localhost:9100 }     # given to workers as LC_SERVER
 *   knowledgeBaseServer: { server: http://localhost:9020 } # given to workers as KB_SERVER
 *   nodeToken: ""                                    # a token shared by every LC: single-machine `sedna up` only
 *   jobCredentialSecret: ""                          # signs the per-job credentials of workers ("" = none)
 *   jobCredentialSecretFile: ""                      # or a file holding it (the chart mounts a Secret there)
 *   apiSocket: ""                                    # the embedded API server's Unix socket: requests skip TLS
 *   credentials: { namespace: sedna }                # Secrets of bootstrap tokens and per-node credentials
 *   leaderElection: { enabled: false, leaseName: sedna-gm, leaseNamespace: sedna, leaseDurationSeconds: 12,
 *                     renewDeadlineSeconds: 8, retryPeriodSeconds: 2, identity: "" }
 *   metrics: { address: "", token: "" }              # address: HOST:PORT serving /metrics without a token; token: what
 *                                                    # /metrics on the hub port wants ("" = nodeToken; both "": refused)
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
  /** A file holding that secret (a mounted Secret on a cluster), read at start; wins over jobCredentialSecret. */
  jobCredentialSecretFile: s.string().default(''),
  /** The embedded API server's local Unix socket ("" = none): the GM's requests go there as plain HTTP. */
  apiSocket: s.string().default(''),
  /** Seconds without heartbeats before a node is NotReady. */
  nodeGracePeriodSeconds: s.int32({ minimum: 1 }).default(40),
  /** Where bootstrap tokens and node credentials live (Secrets); the GM's own namespace on a cluster. */
  credentials: s.object({ namespace: s.string().default('sedna') }).default({ namespace: 'sedna' }),
  /** Several GM replicas elect a leader on a coordination.k8s.io/v1 Lease; followers redirect LCs to it. */
  leaderElection: s
    .object({
      enabled: s.boolean().default(false),
      leaseName: s.string().default('sedna-gm'),
      leaseNamespace: s.string().default('sedna'),
      leaseDurationSeconds: s.int32({ minimum: 1 }).default(12),
      renewDeadlineSeconds: s.int32({ minimum: 1 }).default(8),
      retryPeriodSeconds: s.int32({ minimum: 1 }).default(2),
      /** "" = $POD_NAME, else <hostname>_<random>. */
      identity: s.string().default(''),
      /** The URL followers send LCs to ("" = wss://$POD_IP:<port>/, else the listen address). */
      advertiseUrl: s.string().default(''),
    })
    .default({ enabled: false, leaseName: 'sedna-gm', leaseNamespace: 'sedna', leaseDurationSeconds: 12, renewDeadlineSeconds: 8, retryPeriodSeconds: 2, identity: '', advertiseUrl: '' }),
  /**
   * `address`: HOST:PORT of a listener serving only /metrics, without authentication ("" = none). `token`: the bearer
   * token /metrics on the hub port wants ("" = nodeToken): with per-node credentials there is no shared token, and
   * the scraper's token must not let it speak for a node.
   */
  metrics: s.object({ address: s.string().default(''), token: s.string().default('') }).default({ address: '', token: '' }),
  /** `url`: the message broker (nats://HOST:PORT) given to multi-edge workers with kafkaSupport whose template names none ("" = none). */
  broker: s.object({ url: s.string().default('') }).default({ url: '' }),
  /** Embedded mode's autoscaler of joint inference workers: seconds between readings of their metrics (the HPA's sync period). */
  autoscaling: s.object({ syncPeriodSeconds: s.float({ minimum: 0.1 }).default(15) }).default({ syncPeriodSeconds: 15 }),
});
export type GmConfig = Infer<typeof GmConfigSchema>;

export function parseGmConfig(value: unknown, source = 'config'): GmConfig {
  const { value: config, errors } = GmConfigSchema.parse(value ?? {});
  if (!config) throw new Error(`${source}: ${errors.map((e) => `${e.field}: ${e.message}`).join('; ')}`);
  if (config.jobCredentialSecretFile) config.jobCredentialSecret = readSecretFile(config.jobCredentialSecretFile, `${source}: jobCredentialSecretFile`);
  return config;
}

function readSecretFile(path: string, what: string): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8').trim();
  } catch (err) {
    throw new Error(`${what}: cannot read ${path}: ${(err as Error).message}`, { cause: err });
  }
  if (!text) throw new Error(`${what}: ${path} is empty`);
  return text;
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
