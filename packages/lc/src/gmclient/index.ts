export { GmClient } from './gm-client.js';
export type { GmClientHooks, GmClientOptions } from './options.js';
export type { BackoffOptions } from './backoff.js';
export { ReconnectBackoff } from './backoff.js';
export { UpstreamOutbox, type OutboxEntry } from './outbox.js';
export { planResync, type ResyncPlan } from './resync-plan.js';
