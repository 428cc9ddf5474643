/**
 * End to end with the real kubectl (v1.35) against the embedded API server: every YAML sample of the original
 * documentation applies, reads back equal, and shows in `kubectl get` with its printer columns; the documented
 * bad samples are rejected with an error that names the field. The documentation is not part of this repository:
 * where it is absent (a user's clone) this check is skipped; kubectl-fixtures.test.ts covers the same fields with the
 * project's own YAML.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubectl, startTestServer, type TestServer } from './harness.js';
import { extractSeedSamples, isSubset, seedsDir } from './seeds.js';

let t: TestServer;
const haveSeeds = existsSync(seedsDir);
const { samples, nodes } = haveSeeds ? extractSeedSamples() : { samples: [], nodes: [] };

/** The documented bad samples (seed-tail-part-c.md, last section) and what the error must name. */
// References to other objects are not checked at admission (as on Kubernetes): the controllers report them.
function expectedRejection(object: Record<string, any>): RegExp | undefined {
  if (object['metadata']?.['spec'] !== undefined) return /unknown field "metadata\.spec"/;
  if (/[A-Z]/.test(String(object['metadata']?.['name']))) return /metadata\.name: Invalid value: "Mnist-demo"/;
  return undefined;
}

/** What the server stores for a sample: a Secret's stringData is written into data, base64-encoded. */
function asStored(object: Record<string, any>): Record<string, any> {
  if (object['kind'] !== 'Secret' || !object['stringData']) return object;
  const { stringData, ...rest } = object;
  const data = Object.fromEntries(Object.entries(stringData as Record<string, string>).map(([k, v]) => [k, Buffer.from(v).toString('base64')]));
  return { ...rest, data: { ...(rest['data'] ?? {}), ...data } };
}

beforeAll(async () => {
  if (!haveSeeds) return;
  t = await startTestServer();
  const nodeYaml = nodes.map((n) => `apiVersion: v1\nkind: Node\nmetadata:\n  name: ${n}\n  labels:\n    sedna.io/role: ${n.includes('cloud') ? 'cloud' : 'edge'}\n`).join('---\n');
  const r = await kubectl(t, ['apply', '-f', '-'], nodeYaml);
  expect(r.stderr).toBe('');
});
afterAll(async () => {
  await t?.stop();
});

describe.skipIf(!haveSeeds)('the original documentation samples with kubectl', () => {
  it('finds the samples of every documented kind', () => {
    const kinds = new Set(samples.map((s) => s.object['kind']));
    expect(samples.length).toBeGreaterThanOrEqual(50);
    expect([...kinds].sort()).toEqual(['Dataset', 'FederatedLearningJob', 'IncrementalLearningJob', 'JointInferenceService', 'LifelongLearningJob', 'Model', 'Secret']);
  });

  it('applies each sample, reads it back equal, or rejects the documented bad ones naming the field', async () => {
    const dir = join(t.dataDir, 'samples');
    mkdirSync(dir);
    const created = new Set<string>();
    const report: string[] = [];
    let rejected = 0;
    for (const [i, sample] of samples.entries()) {
      const file = join(dir, `${i}.yaml`);
      writeFileSync(file, sample.text);
      const r = await kubectl(t, ['apply', '-f', file]);
      const bad = expectedRejection(sample.object);
      if (bad) {
        rejected++;
        if (r.status === 0 || !bad.test(r.stderr)) report.push(`${sample.source}: expected a rejection matching ${bad}, got status ${r.status}: ${r.stdout}${r.stderr}`);
        continue;
      }
      if (r.status !== 0) {
        report.push(`${sample.source}: apply failed: ${r.stderr}`);
        continue;
      }
      const kind = sample.object['kind'] as string;
      const name = sample.object['metadata']['name'] as string;
      created.add(`${kind}/${name}`);
      const got = await kubectl(t, ['get', kind.toLowerCase(), name, '-o', 'json']);
      const why = isSubset(asStored(sample.object), JSON.parse(got.stdout));
      if (why) report.push(`${sample.source}: read back differs: ${why}`);
    }
    expect(report).toEqual([]);
    // Two Models with `spec` under `metadata` (S3 docs) and the upper-case `Mnist-demo` job.
    expect(rejected).toBe(3);
  });

  it('shows the documentation\'s objects in kubectl get, by short name (each kind\'s columns: kubectl-fixtures.test.ts)', async () => {
    for (const resource of ['datasets', 'models', 'ji', 'il', 'fl', 'll']) {
      const r = await kubectl(t, ['get', resource]);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout.split('\n').length, resource).toBeGreaterThan(2);
    }
    const wide = await kubectl(t, ['get', 'ji', '-o', 'wide']);
    expect(wide.stdout.split('\n')[0]).toMatch(/EDGE\s+CLOUD/);
    const yaml = await kubectl(t, ['get', 'il', 'helmet-detection-demo', '-o', 'yaml']);
    expect(yaml.stdout).toContain('kind: IncrementalLearningJob');
  });
});
