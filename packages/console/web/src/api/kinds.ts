/** The kinds the console shows: where each lives in the API (the same paths kubectl uses). */
export interface ResourceKind {
  readonly kind: string;
  /** The resource's plural name in the URL. */
  readonly plural: string;
  /** API group; '' for the core group. */
  readonly group: string;
  readonly version: string;
  readonly namespaced: boolean;
  /** A job or service the console draws a page for. */
  readonly workload?: boolean;
  /** Short name, as kubectl's. */
  readonly short: string;
}

const sedna = { group: 'sedna.io', version: 'v1alpha1', namespaced: true } as const;

export const SEDNA_KINDS: readonly ResourceKind[] = [
  { ...sedna, kind: 'Dataset', plural: 'datasets', short: 'dataset' },
  { ...sedna, kind: 'Model', plural: 'models', short: 'model' },
  { ...sedna, kind: 'JointInferenceService', plural: 'jointinferenceservices', short: 'ji', workload: true },
  { ...sedna, kind: 'IncrementalLearningJob', plural: 'incrementallearningjobs', short: 'il', workload: true },
  { ...sedna, kind: 'FederatedLearningJob', plural: 'federatedlearningjobs', short: 'fl', workload: true },
  { ...sedna, kind: 'LifelongLearningJob', plural: 'lifelonglearningjobs', short: 'll', workload: true },
  { ...sedna, kind: 'ObjectSearchService', plural: 'objectsearchservices', short: 'objs', workload: true },
  { ...sedna, kind: 'ObjectTrackingService', plural: 'objecttrackingservices', short: 'objt', workload: true },
  { ...sedna, kind: 'ReidJob', plural: 'reidjobs', short: 'reid', workload: true },
  { ...sedna, kind: 'VideoAnalyticsJob', plural: 'videoanalyticsjobs', short: 'va', workload: true },
  { ...sedna, kind: 'FeatureExtractionService', plural: 'featureextractionservices', short: 'fe', workload: true },
];

const core = { group: '', version: 'v1' } as const;
export const POD: ResourceKind = { ...core, kind: 'Pod', plural: 'pods', namespaced: true, short: 'pod' };
export const NODE: ResourceKind = { ...core, kind: 'Node', plural: 'nodes', namespaced: false, short: 'node' };
export const EVENT: ResourceKind = { ...core, kind: 'Event', plural: 'events', namespaced: true, short: 'event' };

export const WORKLOAD_KINDS = SEDNA_KINDS.filter((k) => k.workload);

export function kindByPlural(plural: string): ResourceKind | undefined {
  return [...SEDNA_KINDS, POD, NODE, EVENT].find((k) => k.plural === plural);
}

export function kindByName(kind: string): ResourceKind | undefined {
  return [...SEDNA_KINDS, POD, NODE, EVENT].find((k) => k.kind === kind);
}

/** `/api/v1/...` or `/apis/group/version/...`, with the namespace when the kind has one and it is given. */
export function collectionPath(k: ResourceKind, namespace?: string): string {
  const base = k.group ? `/apis/${k.group}/${k.version}` : `/api/${k.version}`;
  return k.namespaced && namespace ? `${base}/namespaces/${encodeURIComponent(namespace)}/${k.plural}` : `${base}/${k.plural}`;
}

export function objectPath(k: ResourceKind, namespace: string | undefined, name: string): string {
  return `${collectionPath(k, namespace)}/${encodeURIComponent(name)}`;
}
