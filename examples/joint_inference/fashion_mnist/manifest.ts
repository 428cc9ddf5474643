/**
 * joint_inference.yaml, filled in: the placeholders replaced, and the edge worker's settings the runner's options
 * change (mining algorithm, mining mode, which images) written into the JointInferenceService. Both run modes use
 * it: the cluster mode applies the text, the local mode reads the workers' commands and env from the objects.
 */
import type { Container } from '@sedna/api';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments, stringify } from 'yaml';

export const EXAMPLE_DIR = dirname(fileURLToPath(import.meta.url));
export const MANIFEST_FILE = join(EXAMPLE_DIR, 'joint_inference.yaml');

export interface Placeholders {
  EXAMPLE_DIR: string;
  MODELS_DIR: string;
  OUTPUT_DIR: string;
  EDGE_NODE: string;
  CLOUD_NODE: string;
}

export interface KeyValue {
  key: string;
  value: string;
}

/** Changes to the edge worker: its mining, and env values (set, or added when the template lacks them). */
export interface EdgeOverrides {
  hardExampleMining?: { name: string; parameters: KeyValue[] };
  env?: Record<string, string>;
}

// The pod types are the API's own.
export type { Container, EnvVar } from '@sedna/api';

export interface WorkerSpec {
  model: { name: string };
  hardExampleMining?: { name: string; parameters?: KeyValue[] };
  template: { spec: { nodeName?: string; containers: Container[] } };
}

export interface ManifestObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
  spec: Record<string, unknown>;
}

export interface Manifest {
  /** The YAML to apply. */
  text: string;
  objects: ManifestObject[];
  service: ManifestObject & { spec: { edgeWorker: WorkerSpec; cloudWorker: WorkerSpec } };
  /** Model name to its spec.url. */
  modelUrls: Map<string, string>;
}

export function renderManifest(placeholders: Placeholders, overrides: EdgeOverrides = {}, file = MANIFEST_FILE): Manifest {
  let text = readFileSync(file, 'utf8');
  for (const [name, value] of Object.entries(placeholders)) {
    if (!value) throw new Error(`placeholder $${name} of ${file} needs a value`);
    text = text.replaceAll(`$${name}`, value);
  }
  const documents = parseAllDocuments(text);
  const objects = documents.map((doc, index) => {
    if (doc.errors.length > 0) throw new Error(`${file}, document ${index + 1}: ${doc.errors[0]?.message}`);
    return doc.toJS() as ManifestObject;
  });
  const leftover = /\$[A-Z][A-Z_]*/.exec(JSON.stringify(objects));
  if (leftover) throw new Error(`${file} has a placeholder the runner does not fill: ${leftover[0]}`);

  const service = objects.find((o) => o.kind === 'JointInferenceService') as Manifest['service'] | undefined;
  if (service === undefined) throw new Error(`${file} has no JointInferenceService`);
  const edge = service.spec.edgeWorker;
  if (overrides.hardExampleMining) edge.hardExampleMining = overrides.hardExampleMining;
  const container = edge.template.spec.containers[0];
  if (container === undefined) throw new Error(`${file}: the edge worker's template has no container`);
  for (const [name, value] of Object.entries(overrides.env ?? {})) {
    container.env ??= [];
    const existing = container.env.find((e) => e.name === name);
    if (existing) existing.value = value;
    else container.env.push({ name, value });
  }
  const modelUrls = new Map<string, string>();
  for (const o of objects) if (o.kind === 'Model') modelUrls.set(o.metadata.name, String(o.spec['url']));
  return {
    text: objects.map((o) => stringify(o)).join('---\n'),
    objects,
    service,
    modelUrls,
  };
}
