export {
  WorkerReportServer,
  WorkerReportRejected,
  WorkerReportNotStored,
  DEFAULT_REPORT_PORT,
  type WorkerReportHandler,
  type WorkerReportServerOptions,
} from './report-server.js';
export { parseWorkerMessage, type WorkerMessage, type WorkerResult, type ParsedWorkerMessage } from './worker-message.js';
export { adaptOriginalLibMessage, ORIGINAL_DEFAULT_OWNER_KIND, type WorkerOwnerLookup, type AdaptedBody } from './original-lib-messages.js';
