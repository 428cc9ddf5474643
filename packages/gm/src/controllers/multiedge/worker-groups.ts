/**
 * What the five multi-edge kinds declare: groups of workers (a pod template, how many, the environment the GM adds,
 * where they run when the template does not say) and the Services some groups listen behind. The controllers in
 * ../featureextraction, ../videoanalytics, ../reid, ../objectsearch and ../objecttracking only describe their
 * groups; ./service-controller.ts and ./job-controller.ts make the world match.
 */
import type { KubeObject, PodTemplateSpec } from '@sedna/api';

/** A Service a group listens behind, as the original names it: `<owner>-<suffix>` on `port`. */
export interface GroupService {
  /** `fe` gives `<name>-fe`. */
  suffix: string;
  port: number;
  /** The environment variables (host, port) a server binds and a client connects with, e.g. FE_MODEL_BIND_URL/_PORT. */
  bindEnv?: { host: string; port: string };
  /** Extra names other groups find this service's address under (e.g. USERWORKER_URL as host:port). */
  urlEnv?: string;
  /**
   * Where the clients find every replica (`host:port,...`, e.g. EDGEMESH_URLS) when the replicas serve on ports of
   * their own (embedded mode, several replicas: ./replicas.ts); the clients spread over them.
   */
  replicaUrlsEnv?: string;
}

export interface WorkerGroup {
  /** The worker-type label value and the pod name part: `fe`, `videoanalytics`, `userworker`, `trackingworker-0`. */
  workerType: string;
  template: PodTemplateSpec;
  replicas: number;
  /** Sedna's environment for this group (the builder adds NAMESPACE, LC_SERVER, WORKER_NAME and the peers' addresses). */
  env: Record<string, string>;
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

/** Kinds a multi-edge controller reads to describe its groups. */
export type GroupsOf = (owner: KubeObject, model: (name: string) => { url: string } | undefined) => WorkerGroup[] | { waitingFor: string };
