export {
  WorkerReportServer,
  WorkerReportRejected,
  WorkerReportNotStored,
  DEFAULT_REPORT_PORT,
  type WorkerReportHandler,
  type WorkerReportServerOptions,
} from './report-server.js';
// The report message is a contract of @sedna/api (one parser, one builder); re-exported for the LC's users.
export { parseWorkerMessage, adaptOriginalLibMessage, ORIGINAL_DEFAULT_OWNER_KIND, type WorkerMessage, type WorkerResult, type ParsedWorkerMessage, type WorkerOwnerLookup, type AdaptedBody } from '@sedna/api/contracts';
