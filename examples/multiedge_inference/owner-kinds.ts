/** The ownerKind each example worker reports as (the LC routes on it). */
export const OwnerKinds = { fe: 'featureextractionservice', va: 'videoanalyticsjob', reid: 'reidjob' } as const;
