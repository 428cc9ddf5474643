/**
 * End to end with the real kubectl (v1.35) against the embedded API server, on the project's own YAML of every kind
 * (test/fixtures/kinds, written to cover every field the original documentation uses, and the multi-edge kinds):
 * `kubectl apply -f dir/` applies them all, each reads back equal, every kind lists with its printer columns by
 * short name, and the bad samples in test/fixtures/bad are refused with an error that names the field. This runs on
 * a fresh clone: it reads nothing from outside the repository.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubectl, startTestServer, type TestServer } from './harness.js';
import { isSubset } from './is-subset.js';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');
const kindsDir = join(fixtures, 'kinds');

interface Fixture {
  file: string;
  object: Record<string, any>;
}

function readFixtures(dir: string): Fixture[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .flatMap((file) => parseAllDocuments(readFileSync(join(dir, file), 'utf8')).map((doc) => ({ file, object: doc.toJSON() as Record<string, any> })));
}

/** What the server stores for a fixture: a Secret's stringData is written into data, base64-encoded. */
function asStored(object: Record<string, any>): Record<string, any> {
  if (object['kind'] !== 'Secret' || !object['stringData']) return object;
  const { stringData, ...rest } = object;
  const data = Object.fromEntries(Object.entries(stringData as Record<string, string>).map(([k, v]) => [k, Buffer.from(v).toString('base64')]));
  return { ...rest, data };
}

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t?.stop();
});

describe("the project's YAML of every kind with kubectl", () => {
  const objects = readFixtures(kindsDir);

  it('covers every Sedna kind', () => {
    const kinds = new Set(objects.map((o) => o.object['kind']));
    for (const kind of ['Dataset', 'Model', 'JointInferenceService', 'IncrementalLearningJob', 'FederatedLearningJob', 'LifelongLearningJob', 'FeatureExtractionService', 'VideoAnalyticsJob', 'ReidJob', 'ObjectSearchService', 'ObjectTrackingService']) {
      expect(kinds, kind).toContain(kind);
    }
  });

  it('applies the whole folder and reads every object back equal', async () => {
    const r = await kubectl(t, ['apply', '-f', kindsDir]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const report: string[] = [];
    for (const { file, object } of objects) {
      const kind = object['kind'] as string;
      const name = object['metadata']['name'] as string;
      const got = await kubectl(t, ['get', kind.toLowerCase(), name, '-o', 'json']);
      if (got.status !== 0) {
        report.push(`${file} ${kind}/${name}: ${got.stderr}`);
        continue;
      }
      const why = isSubset(asStored(object), JSON.parse(got.stdout));
      if (why) report.push(`${file} ${kind}/${name}: read back differs: ${why}`);
    }
    expect(report).toEqual([]);
    // Applying again changes nothing. A Secret written with stringData is the exception, on a cluster too: the
    // server folds stringData into data, so kubectl's three-way diff always finds stringData missing and patches it.
    const again = await kubectl(t, ['apply', '-f', kindsDir]);
    expect(again.status, again.stderr).toBe(0);
    expect(again.stdout.split('\n').filter((l) => l && !l.endsWith(' unchanged'))).toEqual(['secret/mysecret configured']);
  });

  it('lists every kind by short name with its printer columns', async () => {
    const headers: Record<string, string[]> = {
      datasets: ['NAME', 'NODE', 'FORMAT', 'SAMPLES', 'AGE'],
      models: ['NAME', 'FORMAT', 'URL', 'AGE'],
      ji: ['NAME', 'STATUS', 'ACTIVE', 'FAILED', 'AGE'],
      il: ['NAME', 'STAGE', 'STATUS', 'AGE'],
      fl: ['NAME', 'PHASE', 'ACTIVE', 'SUCCEEDED', 'FAILED', 'AGE'],
      ll: ['NAME', 'STAGE', 'STATUS', 'AGE'],
      fe: ['NAME', 'STATUS', 'ACTIVE', 'FAILED', 'AGE'],
      va: ['NAME', 'PHASE', 'ACTIVE', 'SUCCEEDED', 'FAILED', 'AGE'],
      reid: ['NAME', 'PHASE', 'ACTIVE', 'SUCCEEDED', 'FAILED', 'AGE'],
      objs: ['NAME', 'STATUS', 'ACTIVE', 'FAILED', 'AGE'],
      objt: ['NAME', 'STATUS', 'ACTIVE', 'FAILED', 'AGE'],
    };
    for (const [resource, columns] of Object.entries(headers)) {
      const r = await kubectl(t, ['get', resource]);
      expect(r.status, r.stderr).toBe(0);
      const lines = r.stdout.split('\n').filter(Boolean);
      expect(lines[0]!.split(/\s+/), resource).toEqual(columns);
      expect(lines.length, resource).toBeGreaterThan(1);
    }
    const wide = await kubectl(t, ['get', 'ji', '-o', 'wide']);
    expect(wide.stdout).toMatch(/helmet-detection-inference-example.*edge-node\s+cloud-node/);
  });

  it('refuses the bad samples naming the field, and stores nothing of them', async () => {
    const expected: Record<string, RegExp[]> = {
      'metadata-spec.yaml': [/unknown field "metadata\.spec"/],
      'uppercase-name.yaml': [/metadata\.name: Invalid value: "Mnist-demo"/],
      'bad-trigger.yaml': [/spec\.dataset\.trainProb/, /spec\.trainSpec\.trigger\.condition\.operator/],
    };
    for (const file of readdirSync(join(fixtures, 'bad')).sort()) {
      const r = await kubectl(t, ['apply', '-f', join(fixtures, 'bad', file)]);
      expect(r.status, file).not.toBe(0);
      for (const pattern of expected[file] ?? [/^$/]) expect(r.stderr, file).toMatch(pattern);
    }
    for (const [resource, name] of [['models', 'indented-model'], ['datasets', 'Mnist-demo'], ['il', 'bad-trigger']] as const) {
      const r = await kubectl(t, ['get', resource, name]);
      expect(r.status, `${resource}/${name}`).not.toBe(0);
    }
  });
});
