/**
 * What the five multi-edge kinds declare: groups of workers (a pod template, how many, the environment the GM adds,
 * where they run when the template does not say) and the Services some groups listen behind. The controllers in
 * ../featureextraction, ../videoanalytics, ../reid, ../objectsearch and ../objecttracking only describe their
 * groups; ./service-controller.ts and ./job-controller.ts make the world match.
 */
import type { WorkerEnv, WorkerEnvName } from '@sedna/api/contracts';
import type { PodTemplateSpec } from '@sedna/api';
import type { ObjectOf } from '../../runtime/kinds.js';

/** A Service a group listens behind, as the original names it: `<owner>-<suffix>` on `port`. */
export interface GroupService {
  /** `fe` gives `<name>-fe`. */
  suffix: string;
  port: number;
  /** The environment variables (host, port) a server binds and a client connects with, e.g. FE_MODEL_BIND_URL/_PORT. */
  bindEnv?: { host: WorkerEnvName; port: WorkerEnvName };
  /** Extra names other groups find this service's address under (e.g. USERWORKER_URL as host:port). */
  urlEnv?: WorkerEnvName;
  /**
   * Where the clients find every replica (`host:port,...`, e.g. EDGEMESH_URLS) when the replicas serve on ports of
   * their own (embedded mode, several replicas: ./replicas.ts); the clients spread over them.
   */
  replicaUrlsEnv?: WorkerEnvName;
}

export interface WorkerGroup {
  /** The worker-type label value and the pod name part: `fe`, `videoanalytics`, `userworker`, `trackingworker-0`. */
  workerType: string;
  template: PodTemplateSpec;
  replicas: number;
  /** Sedna's environment for this group (the builder adds NAMESPACE, LC_SERVER, WORKER_NAME and the peers' addresses). */
  env: WorkerEnv;
  /** Where the group runs in embedded mode when the template names no node and no nodeSelector matches. */
  defaultRole: 'cloud' | 'edge';
  service?: GroupService;
  /** Kubernetes mode: the Deployment's name (`<owner>-deployment-fe`); absent for bare pods (tracking workers). */
  deployment?: string;
  /** The WORKER_NAME prefix (the original: `userworker-<rand5>`, `trackingworker-<rand5>`); default `<type>worker`. */
  workerNamePrefix?: string;
  /** Leave out of the env the addresses of these service suffixes (a server does not call itself). */
  noPeerEnv?: boolean;
  /** The owner's `kafkaSupport`: the workers talk through the broker (KAFKA_ENABLED, and its address: ./broker.ts). */
  kafkaSupport?: boolean;
  /**
   * The replicas share state through the broker when there is one (the ReID workers' gallery of identities): the
   * control plane's broker is given as BROKER_URL, without KAFKA_ENABLED and without waiting when there is none.
   */
  stateBroker?: boolean;
}

/** The multi-edge kinds. */
export type MultiEdgeKindName = MultiEdgeServiceKindName | MultiEdgeJobKindName;
/** The long-running ones (a Deployment's spec inlined). */
export type MultiEdgeServiceKindName = 'FeatureExtractionService' | 'ObjectSearchService' | 'ObjectTrackingService';
/** The run-to-completion ones (a batch/v1 JobSpec inlined). */
export type MultiEdgeJobKindName = 'VideoAnalyticsJob' | 'ReidJob';

/** The worker groups of an object of `K`, given how to read the Models it names. */
export type GroupsOf<K extends MultiEdgeKindName> = (owner: ObjectOf<K>, model: (name: string) => { url: string } | undefined) => WorkerGroup[] | { waitingFor: string };
