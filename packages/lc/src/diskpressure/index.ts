export { DiskPressure, isDiskFull, type DiskPressureOptions } from './disk-pressure.js';
export { queueWorkerReport } from './queue-report.js';
