export { ProcessRunner, type ProcessRunnerOptions, type RunnerPodInfo, type LogOptions, LogUnavailableError } from './process-runner.js';
export { asRunnablePod, podKey, toPodRef, type PodRef, type RunnablePod, type RunnablePodMeta } from './pod-ref.js';
export { DEFAULT_RESTART_BACKOFF, type RestartBackoffOptions } from './restart-policy.js';
export { DEFAULT_LOG_LIMITS, type LogLimits } from './log-files.js';
