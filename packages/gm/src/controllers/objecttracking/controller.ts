/**
 * ObjectTrackingService: tracking workers on the edges and ReID workers that keep identities across them, as
 * ObjectSearchService without the user worker (the original has the kind and no controller for it).
 */
import { trackingAndReidGroups } from '../objectsearch/controller.js';
import type { ServiceKindDeclaration } from '../multiedge/service-controller.js';

export const objectTracking: ServiceKindDeclaration<'ObjectTrackingService'> = {
  name: 'objecttracking',
  kind: 'ObjectTrackingService',
  groups: (owner) => trackingAndReidGroups(owner, owner.spec),
};
