/**
 * Defensive request handling shared by every HTTP and websocket entry point (API server, hub, LC report endpoint
 * and node API, knowledge base, aggregation server, big model service): see README.md.
 */
export { MalformedRequest, assertClientErrorStatus } from './malformed.js';
export { parseRequestUrl, decodeComponent } from './request-url.js';
export { readLimitedBody } from './body.js';
export { DEFAULT_MAX_ALIASES, DEFAULT_MAX_DEPTH, jsonDepth, parseJsonBounded, parseYamlBounded, valueDepth, yamlDepthBound, type ParseLimits } from './nesting.js';
export { guardRequests, guardUpgrades, refuseSocket, statusOf, type GuardOptions, type RequestHandler, type UpgradeHandler } from './handler.js';
export { installLastResort, lastResortCount, type LastResortOptions } from './last-resort.js';
export { ownerOnlyDatabaseFile, ownerOnlyFiles, restrictTree } from './file-modes.js';
export { JOB_CREDENTIAL_ENV, JOB_UID_ENV, bearerToken, jobCredential, sameCredential, verifyJobCredential, type JobIdentity } from './job-credential.js';
