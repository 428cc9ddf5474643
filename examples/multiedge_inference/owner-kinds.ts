/** The ownerKind each example worker reports as (the LC routes on it). */
export const OwnerKinds = { fe: 'featureextractionservice', va: 'videoanalyticsjob', reid: 'reidjob', objs: 'objectsearchservice', objt: 'objecttrackingservice' } as const;

/** ObjectSearch and ObjectTracking share their tracking and ReID workers: `owner_kind` in the env says whose they are. */
export function searchOwnerKind(env: NodeJS.ProcessEnv = process.env): (typeof OwnerKinds)['objs' | 'objt'] {
  const kind = env.owner_kind ?? OwnerKinds.objs;
  if (kind !== OwnerKinds.objs && kind !== OwnerKinds.objt) throw new Error(`owner_kind must be ${OwnerKinds.objs} or ${OwnerKinds.objt}; got ${JSON.stringify(kind)}`);
  return kind;
}
