/** The everyday kubectl commands against the embedded API server: get -w, describe, patch, label, delete; and kubectl 1.20. */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubectl, kubectl120Path, kubectlPath, startTestServer, type TestServer, waitFor } from './harness.js';

let t: TestServer;

const MODEL = `apiVersion: sedna.io/v1alpha1
kind: Model
metadata:
  name: cmd-model
spec:
  url: "/models/m.onnx"
  format: "onnx"
`;

beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t?.stop();
});

describe('kubectl commands', () => {
  it('applies, labels, patches, describes and deletes', async () => {
    expect((await kubectl(t, ['apply', '-f', '-'], MODEL)).stdout).toContain('model.sedna.io/cmd-model created');
    expect((await kubectl(t, ['apply', '-f', '-'], MODEL)).stdout).toContain('model.sedna.io/cmd-model unchanged');
    expect((await kubectl(t, ['apply', '-f', '-'], MODEL.replace('format: "onnx"', 'format: "pb"'))).stdout).toContain('model.sedna.io/cmd-model configured');
    expect((await kubectl(t, ['label', 'model', 'cmd-model', 'stage=prod'])).stdout).toContain('labeled');
    const patched = await kubectl(t, ['patch', 'model', 'cmd-model', '--type=merge', '-p', '{"spec":{"url":"/models/v2.onnx"}}']);
    expect(patched.stdout).toContain('patched');
    const jsonpath = await kubectl(t, ['get', 'model', 'cmd-model', '-o', 'jsonpath={.spec.url} {.spec.format} {.metadata.labels.stage} {.metadata.generation}']);
    expect(jsonpath.stdout).toBe('/models/v2.onnx pb prod 3');
    const described = await kubectl(t, ['describe', 'model', 'cmd-model']);
    expect(described.status, described.stderr).toBe(0);
    expect(described.stdout).toMatch(/Name:\s+cmd-model/);
    expect(described.stdout).toMatch(/URL:\s+\/models\/v2\.onnx/);
    const strategic = await kubectl(t, ['patch', 'model', 'cmd-model', '-p', '{"spec":{"format":"x"}}']);
    expect(strategic.status).not.toBe(0);
    expect(strategic.stderr).toContain('merge patch');
    expect((await kubectl(t, ['delete', 'model', 'cmd-model'])).stdout).toContain('deleted');
    const gone = await kubectl(t, ['get', 'model', 'cmd-model']);
    expect(gone.stderr).toContain('models.sedna.io "cmd-model" not found');
  });

  it('watches with get -w', async () => {
    const child = spawn(kubectlPath(), ['--kubeconfig', t.server.kubeconfigPath, 'get', 'datasets', '-w', '--no-headers'], { env: { ...process.env, HOME: t.dataDir } });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    try {
      // kubectl prints nothing for an empty list; give the watch a moment to open by waiting for a first object.
      await kubectl(t, ['apply', '-f', '-'], 'apiVersion: sedna.io/v1alpha1\nkind: Dataset\nmetadata:\n  name: watched\nspec:\n  url: /d.txt\n  format: txt\n  nodeName: n1\n');
      await waitFor('the watch to print the dataset', () => (out.includes('watched') ? true : undefined));
      await kubectl(t, ['label', 'dataset', 'watched', 'seen=yes']);
      await kubectl(t, ['delete', 'dataset', 'watched']);
      await waitFor('three lines', () => (out.trim().split('\n').length >= 3 ? true : undefined));
      expect(out.trim().split('\n').every((l) => /^watched\s+n1\s+txt\s+/.test(l))).toBe(true);
    } finally {
      child.kill();
    }
  });

  it('prints a validation error that names the field', async () => {
    const bad = await kubectl(t, ['apply', '-f', '-'], 'apiVersion: sedna.io/v1alpha1\nkind: Dataset\nmetadata:\n  name: nofmt\nspec:\n  url: /d.txt\n  nodeName: n1\n  fromat: txt\n');
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toMatch(/unknown field "spec\.fromat"|spec\.format: Required value/);
  });

  // scripts/install.sh unpacks Debian's kubectl 1.20; without it the check is reported as skipped, not passed.
  it.skipIf(kubectl120Path() === undefined)('works with Debian kubectl 1.20 where the old client allows', async () => {
    const old = kubectl120Path()!;
    // kubectl 1.20 validates on the client with the protobuf OpenAPI v2 document (served at /openapi/v2).
    const applied = await kubectl(t, ['apply', '-f', '-'], MODEL.replace('cmd-model', 'old-client'), old);
    expect(applied.stderr).toBe('');
    expect(applied.stdout).toContain('model.sedna.io/old-client created');
    const listed = await kubectl(t, ['get', 'models'], undefined, old);
    expect(listed.stdout).toMatch(/old-client\s+onnx/);
    expect((await kubectl(t, ['delete', 'model', 'old-client'], undefined, old)).stdout).toContain('deleted');
  });
});
