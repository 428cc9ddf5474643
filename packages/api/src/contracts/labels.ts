/**
 * The label and annotation keys that the GM, the LC and the CLI must spell alike: one copy here, imported everywhere
 * (issue 12, point 1). Keys only one controller writes and reads are here too, so that every `sedna.io/` key of a
 * node or a worker is listed in one place.
 */

/** Node label: the node's role (`cloud`, `edge`), set by the LC, read by the GM's placement of workers. */
export const NODE_ROLE_LABEL = 'sedna.io/role';
/* The LC port and node API port labels (LC_PORT_LABEL, NODE_API_PORT_LABEL) are in ../meta/node-labels.ts. */

/** Job annotation: the hot update configuration of an incremental learning job's inference worker. */
export const HOT_UPDATE_CONFIG_ANNOTATION = 'sedna.io/model-hot-update-config';

/** Worker annotation: the hash of the spec a worker was made from (a changed spec replaces the worker). */
export const SPEC_HASH_ANNOTATION = 'sedna.io/spec-hash';
/** Worker annotation: which worker of a federated learning job this is. */
export const WORKER_INDEX_ANNOTATION = 'sedna.io/worker-index';
/** Worker annotation: the federated learning job generation the worker belongs to. */
export const JOB_GENERATION_ANNOTATION = 'sedna.io/job-generation';
/** Worker annotation: the round of a stage job a train/eval worker runs (`status.round`, stage-protocol.ts). */
export const STAGE_ROUND_ANNOTATION = 'sedna.io/stage-round';
/**
 * Worker annotation of train/eval workers made before jobs had `status.round`: the index of their Ready condition.
 * Read only, to find such a worker of a job still running from before; never written.
 */
export const STAGE_INDEX_ANNOTATION = 'sedna.io/stage-index';
