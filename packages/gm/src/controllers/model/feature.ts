/**
 * Models: no controller of their own (as in the original). The jobs that name one read it from their caches and
 * send it to their nodes; the aggregation and stage reports write its status.
 */
import type { Feature } from '../../features/feature.js';

export const modelFeature: Feature = { name: 'model', kinds: ['Model'], register: () => undefined };
