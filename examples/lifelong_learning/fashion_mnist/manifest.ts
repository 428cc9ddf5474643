/**
 * lifelong_learning.yaml, filled in: the placeholders replaced and the documents parsed. The local runner reads the
 * workers' commands, working folders and env from the LifelongLearningJob, as the GM would.
 */
import type { Container } from '@sedna/api';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments, stringify } from 'yaml';

export const EXAMPLE_DIR = dirname(fileURLToPath(import.meta.url));
export const MANIFEST_FILE = join(EXAMPLE_DIR, 'lifelong_learning.yaml');

export interface Placeholders {
  EXAMPLE_DIR: string;
  DATA_DIR: string;
  OUTPUT_DIR: string;
  WORK_DIR: string;
  DATA_NODE: string;
  TRAIN_NODE: string;
  EVAL_NODE: string;
  INFER_NODE: string;
}

// The pod types are the API's own.
export type { Container, EnvVar } from '@sedna/api';

export interface Template {
  spec: { nodeName?: string; containers: Container[] };
}

export interface LifelongJobSpec {
  dataset: { name: string; trainProb: number };
  trainSpec: { template: Template; trigger: { condition: { operator: string; threshold: number; metric: string } } };
  evalSpec: { template: Template };
  deploySpec: { template: Template };
  outputDir: string;
}

export interface Manifest {
  text: string;
  job: { metadata: { name: string; namespace?: string }; spec: LifelongJobSpec };
  dataset: { metadata: { name: string }; spec: { url: string; format: string; nodeName: string } };
}

export function renderManifest(placeholders: Placeholders, file = MANIFEST_FILE): Manifest {
  let text = readFileSync(file, 'utf8');
  for (const [name, value] of Object.entries(placeholders)) {
    if (!value) throw new Error(`placeholder $${name} of ${file} needs a value`);
    text = text.replaceAll(`$${name}`, value);
  }
  const objects = parseAllDocuments(text).map((doc, index) => {
    if (doc.errors.length > 0) throw new Error(`${file}, document ${index + 1}: ${doc.errors[0]?.message}`);
    return doc.toJS() as { kind: string; metadata: { name: string; namespace?: string }; spec: unknown };
  });
  const leftover = /\$[A-Z][A-Z_]*/.exec(JSON.stringify(objects));
  if (leftover) throw new Error(`${file} has a placeholder the runner does not fill: ${leftover[0]}`);
  const job = objects.find((o) => o.kind === 'LifelongLearningJob');
  const dataset = objects.find((o) => o.kind === 'Dataset');
  if (job === undefined || dataset === undefined) throw new Error(`${file} needs a Dataset and a LifelongLearningJob`);
  return { text: objects.map((o) => stringify(o)).join('---\n'), job: job as Manifest['job'], dataset: dataset as Manifest['dataset'] };
}

/** The manifest as YAML for kubectl, with what the runner changed in its objects (worker env, trigger). */
export function manifestText(manifest: Manifest): string {
  return [manifest.dataset, manifest.job].map((o) => stringify(o)).join('---\n');
}

/** The first container of a worker template, with its env as a record. */
export function containerOf(template: Template, which: string): { container: Container; env: Record<string, string> } {
  const container = template.spec.containers[0];
  if (container === undefined) throw new Error(`the ${which} template has no container`);
  if (!container.command || container.command.length === 0) throw new Error(`the ${which} container has no command`);
  return { container, env: Object.fromEntries((container.env ?? []).map((e) => [e.name, e.value ?? ''])) };
}
