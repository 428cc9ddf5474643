/**
 * An example's three kinds of YAML written to another folder with its dataset URL, dataset folder and workspace
 * replaced (and any testenv or job lines changed): how the tests and the benchmark run the examples on a slice
 * served by a local HTTP server. Module and metric paths become absolute, so they still load from the repository.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const EXAMPLES_DIR = dirname(fileURLToPath(import.meta.url));
export type ExampleName = 'incremental_learning' | 'federated_learning' | 'lifelong_learning' | 'joint_inference';

export interface JobFilesOptions {
  datasetUrl: string;
  datasetPath: string;
  workspace: string;
  /** Replacements in testenv.yaml, e.g. { 'round: 5': 'round: 2' }. */
  testenv?: Record<string, string>;
  /** Lines added to benchmarkingjob.yaml's benchmarkingjob mapping (indented by two spaces), e.g. simulation. */
  jobExtra?: string;
  /** Keep only these algorithms of the job. */
  algorithms?: string[];
  /** Replacements in every algorithm YAML (copied into the folder), e.g. { 'values: [ 1, 2 ]': 'values: [ 1 ]' }. */
  algorithm?: Record<string, string>;
}

function absolutize(text: string, from: string): string {
  return text.replace(/url: "(\.\.?\/[^"]+)"/g, (_m, p: string) => `url: "${resolve(from, p)}"`);
}

/** Writes `<dir>/benchmarkingjob.yaml` and `<dir>/testenv.yaml`; returns the job file. */
export function writeJobFiles(example: ExampleName, dir: string, options: JobFilesOptions): string {
  mkdirSync(dir, { recursive: true });
  const exampleDir = join(EXAMPLES_DIR, example);
  let testenv = absolutize(readFileSync(join(exampleDir, 'testenv', 'testenv.yaml'), 'utf8'), join(exampleDir, 'testenv'))
    .replace(/dataset_url: .*/, `dataset_url: "${options.datasetUrl}"`)
    .replace(/dataset_path: .*/, `dataset_path: "${options.datasetPath}"`);
  for (const [from, to] of Object.entries(options.testenv ?? {})) {
    if (!testenv.includes(from)) throw new Error(`${example}'s testenv.yaml has no "${from}"`);
    testenv = testenv.replace(from, to);
  }
  writeFileSync(join(dir, 'testenv.yaml'), testenv);
  let job = absolutize(readFileSync(join(exampleDir, 'benchmarkingjob.yaml'), 'utf8'), exampleDir)
    .replace(/workspace: .*/, `workspace: "${options.workspace}"`)
    .replace(/testenv: .*/, `testenv: "${join(dir, 'testenv.yaml')}"`);
  if (options.algorithms) {
    const keep = options.algorithms;
    job = job.replace(/\n( +)- name: "([^"]+)"\n +url: "[^"]+"/g, (entry, _indent: string, name: string) => (keep.includes(name) ? entry : ''));
  }
  if (options.algorithm) {
    const edits = options.algorithm;
    job = job.replace(/url: "([^"]+\/testalgorithms\/[^"]+\.yaml)"/g, (_m, file: string) => {
      let text = absolutize(readFileSync(file, 'utf8'), dirname(file));
      for (const [from, to] of Object.entries(edits)) text = text.replace(from, to);
      const copy = join(dir, `algorithm-${file.split('/').pop() as string}`);
      writeFileSync(copy, text);
      return `url: "${copy}"`;
    });
  }
  if (options.jobExtra) job = job.replace(/\n {2}rank:/, `\n${options.jobExtra.replace(/\n$/, '')}\n  rank:`);
  const file = join(dir, 'benchmarkingjob.yaml');
  writeFileSync(file, job);
  return file;
}
