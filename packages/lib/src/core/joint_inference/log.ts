/** Where joint inference writes its log lines (default: stderr with a time and a component tag). */
export type LogLine = (line: string) => void;

export function stderrLog(component: string): LogLine {
  return (line) => process.stderr.write(`${new Date().toISOString()} [${component}] ${line}\n`);
}
