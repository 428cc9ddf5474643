/**
 * The entry of a case's own process: `node case-process.js <spec.json> <result.json>`. A case runs in a process of
 * its own so cases run in parallel on several cores and a crashing module takes only its case down.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { runCase } from './run-case.js';
import { ianvsTime, type CaseResult, type CaseSpec } from './spec.js';

const [specFile, resultFile] = process.argv.slice(2);
if (!specFile || !resultFile) {
  console.error('usage: case-process <spec.json> <result.json>');
  process.exit(2);
}
const spec = JSON.parse(readFileSync(specFile, 'utf8')) as CaseSpec;
const started = Date.now();
const log = (line: string): void => void process.stdout.write(`${line}\n`);
let result: CaseResult;
try {
  const out = await runCase(spec, log);
  result = { id: spec.id, ok: true, metrics: out.metrics, time: ianvsTime(), seconds: (Date.now() - started) / 1000 };
  writeFileSync(`${spec.outputDir}/system-metric-info.json`, JSON.stringify(out.system, null, 1));
} catch (err) {
  const e = err as Error;
  process.stderr.write(`${e.stack ?? e.message}\n`);
  result = { id: spec.id, ok: false, metrics: {}, error: e.message, time: ianvsTime(), seconds: (Date.now() - started) / 1000 };
}
writeFileSync(resultFile, JSON.stringify(result));
// Estimators may hold worker threads or handles; the case is done.
process.exit(0);
