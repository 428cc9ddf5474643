export { NodeHub, type HubNodeInfo } from './node-hub.js';
export type { HubTlsOptions, NodeHubHooks, NodeHubOptions, NodeReadyReason, UpstreamMeta } from './options.js';
