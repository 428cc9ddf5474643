/**
 * federated_learning.yaml, filled in: the placeholders replaced, and what the runner's options change (the
 * strategy, rounds, local epochs) written into the job's env. Both run modes use it: the cluster mode applies the
 * text, the local mode starts the workers from the templates' commands and env.
 */
import type { Container } from '@sedna/api';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments, stringify } from 'yaml';

export const EXAMPLE_DIR = dirname(fileURLToPath(import.meta.url));
export const MANIFEST_FILE = join(EXAMPLE_DIR, 'federated_learning.yaml');

export interface Placeholders {
  EXAMPLE_DIR: string;
  DATA_DIR: string;
  OUTPUT_DIR: string;
  CLOUD_NODE: string;
  EDGE1_NODE: string;
  EDGE2_NODE: string;
  EDGE3_NODE: string;
}

// The pod types are the API's own.
export type { Container, EnvVar } from '@sedna/api';

export interface PodTemplate {
  spec: { nodeName?: string; containers: Container[] };
}

export interface ManifestObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
  spec: Record<string, unknown>;
}

export interface JobSpec {
  aggregationWorker: { model: { name: string }; template: PodTemplate };
  trainingWorkers: { dataset: { name: string }; template: PodTemplate }[];
}

export interface Manifest {
  text: string;
  objects: ManifestObject[];
  job: ManifestObject & { spec: JobSpec };
  /** Dataset name to its spec (url, nodeName). */
  datasets: Map<string, { url: string; nodeName: string }>;
  /** Model name to its url. */
  modelUrls: Map<string, string>;
}

/** Env changes: for the aggregator and for every training worker (set, or added when missing). */
export interface EnvOverrides {
  aggregator?: Record<string, string>;
  trainers?: Record<string, string>;
}

function setEnv(template: PodTemplate, values: Record<string, string> | undefined, where: string): void {
  const container = template.spec.containers[0];
  if (container === undefined) throw new Error(`${where} has no container`);
  for (const [name, value] of Object.entries(values ?? {})) {
    container.env ??= [];
    const existing = container.env.find((entry) => entry.name === name);
    if (existing) existing.value = value;
    else container.env.push({ name, value });
  }
}

export function renderManifest(placeholders: Placeholders, overrides: EnvOverrides = {}, file = MANIFEST_FILE): Manifest {
  let text = readFileSync(file, 'utf8');
  for (const [name, value] of Object.entries(placeholders)) {
    if (!value) throw new Error(`placeholder $${name} of ${file} needs a value`);
    text = text.replaceAll(`$${name}`, value);
  }
  const objects = parseAllDocuments(text).map((document, index) => {
    if (document.errors.length > 0) throw new Error(`${file}, document ${index + 1}: ${document.errors[0]?.message}`);
    return document.toJS() as ManifestObject;
  });
  const leftover = /\$[A-Z][A-Z0-9_]*/.exec(JSON.stringify(objects));
  if (leftover) throw new Error(`${file} has a placeholder the runner does not fill: ${leftover[0]}`);
  const job = objects.find((object) => object.kind === 'FederatedLearningJob') as Manifest['job'] | undefined;
  if (job === undefined) throw new Error(`${file} has no FederatedLearningJob`);
  setEnv(job.spec.aggregationWorker.template, overrides.aggregator, `${file}: the aggregation worker`);
  job.spec.trainingWorkers.forEach((worker, index) => setEnv(worker.template, overrides.trainers, `${file}: trainingWorkers[${index}]`));
  const datasets = new Map<string, { url: string; nodeName: string }>();
  const modelUrls = new Map<string, string>();
  for (const object of objects) {
    if (object.kind === 'Dataset') datasets.set(object.metadata.name, { url: String(object.spec['url']), nodeName: String(object.spec['nodeName']) });
    if (object.kind === 'Model') modelUrls.set(object.metadata.name, String(object.spec['url']));
  }
  return { text: objects.map((object) => stringify(object)).join('---\n'), objects, job, datasets, modelUrls };
}

/** The value a container's env gives a variable. */
export function envValue(template: PodTemplate, name: string): string | undefined {
  return template.spec.containers[0]?.env?.find((entry) => entry.name === name)?.value;
}
