/**
 * The worker environment: every variable the GM and the LC give a worker and the lib reads (sedna-reference §3.10,
 * §3.11), named once. The GM writes them as keys of an object typed `WorkerEnv` (tsc refuses a name not listed here)
 * or as `WORKER_ENV.X`; the LC and the lib read them as `env[WORKER_ENV.X]`. No other copy of a name is written.
 */

const NAMES = [
  // --- who the worker is (every worker)
  'NAMESPACE',
  'WORKER_NAME',
  'JOB_NAME',
  'SERVICE_NAME',
  // --- the local controller and the knowledge base
  'LC_SERVER',
  'LC_PERIOD',
  'KB_SERVER',
  'KB_URL',
  // the knowledge base server's bind address and folder (the original's names)
  'KnowledgeBaseServer',
  'KnowledgeBasePath',
  // --- models and data
  'MODEL_URL',
  'MODEL_URLS',
  'MODEL_NAME',
  'BASE_MODEL_URL',
  'PRETRAINED_MODEL_URL',
  'MODEL_LOAD_MODE',
  'TRAIN_DATASET_URL',
  'TEST_DATASET_URL',
  'ORIGINAL_DATASET_URL',
  'DATASET_NAME',
  'OUTPUT_URL',
  'DATA_PATH_PREFIX',
  // --- lifelong learning
  'HAS_COMPLETED_INITIAL_TRAINING',
  'CLOUD_KB_INDEX',
  'MIN_TRAIN_SAMPLE',
  'UT_SAVED_URL',
  // --- joint inference
  'HEM_NAME',
  'HEM_PARAMETERS',
  'MINING_MODE',
  'BIG_MODEL_BIND_IP',
  'BIG_MODEL_BIND_PORT',
  'BIG_MODEL_IP',
  'BIG_MODEL_PORT',
  'BIG_MODEL_ENDPOINTS',
  'BIG_MODEL_WIRE',
  // --- federated learning
  'AGG_BIND_IP',
  'AGG_BIND_PORT',
  'AGG_IP',
  'AGG_PORT',
  'AGG_PROTOCOL',
  'AGG_WIRE',
  'AGG_AUTH',
  'AGG_RECV_TIMEOUT',
  'PARTICIPANTS_COUNT',
  'CONNECT_TIMEOUT',
  'TRANSMITTER',
  'AGG_DATA_PATH',
  // --- the inference worker's model hot update
  'MODEL_HOT_UPDATE',
  'MODEL_POLL_PERIOD_SECONDS',
  'MODEL_HOT_UPDATE_CONFIG',
  // --- multi-edge inference
  'KAFKA_ENABLED',
  'KAFKA_BIND_IPS',
  'KAFKA_BIND_PORTS',
  'BROKER_URL',
  'USERWORKER_URL',
  'EDGEMESH_URL',
  'EDGEMESH_URLS',
  'REID_MODEL_BIND_URL',
  'REID_MODEL_BIND_PORT',
  'FE_MODEL_BIND_URL',
  'FE_MODEL_BIND_PORT',
  'DET_MODEL_BIND_URL',
  'DET_MODEL_BIND_PORT',
  'USER_WORKER_BIND_URL',
  'USER_WORKER_BIND_PORT',
  'FE_SERVICE_NAME',
  'REID_SERVICE_NAME',
  'TRACKING_WORKER_INDEX',
  'VA_JOB_NAME',
  'VIDEO_URL',
  // --- object storage
  'S3_ENDPOINT_URL',
  'ACCESS_KEY_ID',
  'SECRET_ACCESS_KEY',
  // --- the worker's runtime
  'BACKEND_TYPE',
  'DEVICE_CATEGORY',
  'CUDA_VISIBLE_DEVICES',
  'LOG_LEVEL',
  'PARAMETERS',
  // --- defaults of flow units' options
  'INPUT_INDEX_URL',
  'RESULTS_URL',
  'HE_SAVED_URL',
  // --- not in the original: the job credential, the metrics socket (sedna-ts)
  'SEDNA_JOB_CREDENTIAL',
  'SEDNA_JOB_UID',
  'SEDNA_JOB_CREDENTIAL_SECRET_FILE',
  'SEDNA_METRICS_SOCKET',
  'SEDNA_METRICS_ADDRESS',
  // --- not in the original: several ReID replicas (every replica's address; the owner's uid names their shared gallery)
  'SEDNA_OWNER_UID',
] as const;

/** The name of a variable of the worker contract. */
export type WorkerEnvName = (typeof NAMES)[number];

/** Every variable of the worker contract, by name: `WORKER_ENV.JOB_NAME === 'JOB_NAME'`. */
export const WORKER_ENV: { readonly [K in WorkerEnvName]: K } = Object.freeze(Object.fromEntries(NAMES.map((n) => [n, n])) as { [K in WorkerEnvName]: K });

/** All names of the worker contract, in the order above. */
export const WORKER_ENV_NAMES: readonly WorkerEnvName[] = NAMES;

/** An environment the GM gives a worker: only contract names as keys (an object literal with another name fails to compile). */
export type WorkerEnv = { [K in WorkerEnvName]?: string };

/** The lib's defaults that another process must know too (the LC's report port is the LC_SERVER default's). */
export const WORKER_ENV_DEFAULTS = {
  /** LC_SERVER when unset: the original's `http://127.0.0.1:9100`. */
  LC_SERVER: 'http://127.0.0.1:9100',
  /** JOB_NAME when unset: the original's JobBase falls back to "sedna" (hence the `/sedna/predict` path). */
  JOB_NAME: 'sedna',
} as const;
