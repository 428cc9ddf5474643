/** The shapes of API objects the console reads (only the fields it uses; everything else is kept as is). */
export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  creationTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: { kind: string; name: string; uid: string }[];
  deletionTimestamp?: string;
}

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
  [key: string]: unknown;
}

export interface Condition {
  type: string;
  status?: string;
  stage?: string;
  reason?: string;
  message?: string;
  data?: string;
  lastTransitionTime?: string;
  lastHeartbeatTime?: string;
}

/** A Kubernetes `Status` error body: `details.causes[].field` names the field at fault. */
export interface ApiStatus {
  kind: 'Status';
  status?: string;
  message?: string;
  reason?: string;
  code?: number;
  details?: { name?: string; kind?: string; causes?: { reason?: string; message?: string; field?: string }[] };
}

/** A line of the console's multiplexed watch. */
export type LiveLine = { type: 'ADDED' | 'MODIFIED' | 'DELETED'; resource: string; object: KubeObject } | { type: 'SYNCED' | 'HEARTBEAT' };
