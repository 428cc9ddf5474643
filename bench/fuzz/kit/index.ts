export { sendRaw, type RawAnswer, type RawTarget } from './raw-http.js';
export { hostileRequests, type FuzzEndpoint } from './arbitraries.js';
export { runCampaign, type CampaignOptions, type CampaignResult, type EndpointTally } from './campaign.js';
export { REPORT_KINDS, startEntryPoints, type EntryPoints } from './entry-points.js';
