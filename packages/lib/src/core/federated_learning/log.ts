/** Where federated learning writes its log lines (default: stderr with a time and a component tag). */
export type LogLine = (line: string) => void;

export function stderrLog(component: string): LogLine {
  return (line) => process.stderr.write(`${new Date().toISOString()} [${component}] ${line}\n`);
}

/** Discards log lines (tests and benchmarks with many simulated workers). */
export const silentLog: LogLine = () => undefined;
