/** Where federated learning writes its log lines: the lib's (stderr with a time and a component tag by default). */
export { stderrLog, type LogLine } from '../joint_inference/log.js';
import type { LogLine } from '../joint_inference/log.js';

/** Discards log lines (tests and benchmarks with many simulated workers). */
export const silentLog: LogLine = () => undefined;
