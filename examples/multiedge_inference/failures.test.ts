/**
 * Bad input on `sedna up`, with the example's real workers: a camera source that cannot be read (the job fails after
 * its backoffLimit, with Events and the reason in its condition data), a broker that cannot be reached (bounded
 * attempts, the broker named), malformed messages to the feature extractor (400 with the reason, the service keeps
 * serving), a query image that shows no object (the ReID job fails saying so), and the feature extractor's model
 * replaced through update_service while it serves (a model that cannot load leaves the old one serving).
 */
import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { kubectlPath } from '../../packages/apiserver/test/harness.js';
import { cropAttachment, encodeMessage, serviceUpdateMessage, WIRE_CONTENT_TYPE, type DetTrackMessage } from '@sedna/lib/multi_edge_inference';
import { useSednaUp } from '../common/sedna-up-fixture.js';
import { EXAMPLE_DIR } from './run.js';
import { ensureTestModel } from './test-support.js';
import { writePng } from './worker-common.js';
import { freePort, waitFor as kitWaitFor } from '../../test-kit/index.js';

const up = useSednaUp({ name: 'multiedge-faults', edgeNodes: 1, exampleDir: EXAMPLE_DIR });
const kubectl = (args: string[], input?: string) => {
  if (input !== undefined) {
    const file = join(up.workDir, `manifest-${Date.now()}.yaml`);
    writeFileSync(file, input);
    return up.run(kubectlPath(), ['--kubeconfig', up.handle.kubeconfig, ...args, '-f', file]);
  }
  return up.run(kubectlPath(), ['--kubeconfig', up.handle.kubeconfig, ...args]);
};
async function get(kind: string, name: string): Promise<any> {
  const r = await kubectl(['get', kind, name, '-o', 'json']);
  return JSON.parse(r.out.slice(r.out.indexOf('{')));
}
const waitFor = <T>(what: string, check: () => Promise<T | undefined>, ms = 90_000): Promise<T> => kitWaitFor(what, check, ms, 500);
const worker = (file: string, env: Record<string, string>) => `
      containers:
      - name: w
        command: ["node", "--import", "tsx", "${join(EXAMPLE_DIR, file)}"]
        workingDir: "${EXAMPLE_DIR}"
        env: [${Object.entries(env).map(([k, v]) => `{name: ${k}, value: "${v}"}`).join(', ')}]`;

describe('multi-edge inference, bad input', () => {
  it('fails a camera job whose source cannot be read, after backoffLimit, saying why', async () => {
    const r = await kubectl(['apply'], `apiVersion: sedna.io/v1alpha1
kind: Model
metadata: {name: det}
spec: {url: /dev/null, format: json}
---
apiVersion: sedna.io/v1alpha1
kind: VideoAnalyticsJob
metadata: {name: broken-camera}
spec:
  backoffLimit: 1
  model: {name: det}
  template:
    spec:${worker('va_worker.ts', { video_address: join(up.workDir, 'no-such-video.mkv'), fps: '5', output_dir: join(up.workDir, 'out-broken') })}
`);
    expect(r.status, r.out).toBe(0);
    const va = await waitFor('the job to fail', async () => {
      const o = await get('va', 'broken-camera');
      return o.status?.phase === 'Failed' ? o : undefined;
    });
    expect(va.status.failed).toBe(2);
    expect(va.status.conditions.at(-1)).toMatchObject({ type: 'Failed', reason: 'BackoffLimitExceeded' });
    const data = va.status.conditions.filter((c: { data?: string }) => c.data).map((c: { data: string }) => JSON.parse(c.data));
    expect(JSON.stringify(data)).toMatch(/camera failed: cannot open the video/);
    const events = await kubectl(['get', 'events', '--field-selector', 'involvedObject.name=broken-camera']);
    expect(events.out).toMatch(/WorkerRestarted/);
    expect(events.out).toMatch(/BackoffLimitExceeded/);
  }, 120_000);

  it('gives up on an unreachable broker after bounded attempts, naming it', async () => {
    const port = await freePort();
    const video = join(up.workDir, 'tiny.mkv');
    const { spawnSync } = await import('node:child_process');
    spawnSync('ffmpeg', ['-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc=size=64x48:rate=10:duration=1', '-c:v', 'ffv1', video]);
    const r = await kubectl(['apply'], `apiVersion: sedna.io/v1alpha1
kind: VideoAnalyticsJob
metadata: {name: no-broker}
spec:
  backoffLimit: 0
  kafkaSupport: true
  model: {name: det}
  template:
    spec:${worker('va_worker.ts', { video_address: video, fps: '5', KAFKA_BIND_IPS: '127.0.0.1', KAFKA_BIND_PORTS: String(port), broker_attempts: '2', output_dir: join(up.workDir, 'out-nobroker') })}
`);
    expect(r.status, r.out).toBe(0);
    const va = await waitFor('the job to fail', async () => {
      const o = await get('va', 'no-broker');
      return o.status?.phase === 'Failed' ? o : undefined;
    });
    const data = va.status.conditions.filter((c: { data?: string }) => c.data).map((c: { data: string }) => c.data).join(' ');
    expect(data).toContain(`cannot reach the broker at nats://127.0.0.1:${port} after 2 attempts`);
  }, 120_000);

  it('refuses malformed messages and a query image without an object, and keeps serving', async () => {
    const models = await ensureTestModel();
    const blank = join(up.workDir, 'blank.png');
    writePng(blank, 20, 40, new Uint8Array(20 * 40 * 3).fill(90));
    const r = await kubectl(['apply'], `apiVersion: sedna.io/v1alpha1
kind: Model
metadata: {name: fe-model}
spec: {url: ${join(models, 'reid-mlp.onnx')}, format: onnx}
---
apiVersion: sedna.io/v1alpha1
kind: FeatureExtractionService
metadata: {name: feature-extraction}
spec:
  model: {name: fe-model}
  template:
    spec:${worker('fe_worker.ts', {})}
---
apiVersion: sedna.io/v1alpha1
kind: ReidJob
metadata: {name: reid}
spec:
  backoffLimit: 0
  template:
    spec:${worker('reid_worker.ts', { query_images: blank, match_threshold: '0.7', output_dir: join(up.workDir, 'out-reid') })}
`);
    expect(r.status, r.out).toBe(0);
    const reid = await waitFor('the ReID job to fail', async () => {
      const o = await get('reid', 'reid');
      return o.status?.phase === 'Failed' ? o : undefined;
    }, 150_000);
    const data = reid.status.conditions.filter((c: { data?: string }) => c.data).map((c: { data: string }) => c.data).join(' ');
    expect(data).toMatch(/no object found in query image 0/);
    const port = (await get('service', 'feature-extraction-fe')).spec.ports[0].nodePort;
    const bad = await fetch(`http://127.0.0.1:${port}/feature_extraction/feature_extraction`, { method: 'POST', body: 'not a message' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/malformed message/);
    const status = await fetch(`http://127.0.0.1:${port}/feature_extraction/status`);
    expect(((await status.json()) as { rejected: number }).rejected).toBeGreaterThanOrEqual(1);

    // update_service: a model that cannot be loaded is refused and the old one keeps serving; a good one is swapped in.
    const fe = `http://127.0.0.1:${port}/feature_extraction`;
    const post = (method: string, message: DetTrackMessage) => fetch(`${fe}/${method}`, { method: 'POST', headers: { 'Content-Type': WIRE_CONTENT_TYPE }, body: encodeMessage(message) });
    const broken = join(up.workDir, 'broken.onnx');
    writeFileSync(broken, 'not a model');
    const refused = await post('update_service', serviceUpdateMessage({ model_url: broken, model_version: 'broken' }));
    expect(refused.status).toBe(500);
    expect(((await refused.json()) as { error: string }).error).toMatch(/cannot load the model at .*broken\.onnx.*the previous model keeps serving/);
    const empty = await post('update_service', serviceUpdateMessage({}));
    expect(empty.status).toBe(400);
    const v2 = join(up.workDir, 'reid-mlp-v2.onnx');
    copyFileSync(join(models, 'reid-mlp.onnx'), v2);
    const updated = await post('update_service', serviceUpdateMessage({ model_url: v2, model_version: 'v2' }));
    expect(updated.status).toBe(200);
    const after = (await (await fetch(`${fe}/status`)).json()) as { modelVersion: string; modelUpdates: number };
    expect(after).toMatchObject({ modelVersion: 'v2', modelUpdates: 1 });
    const crop = cropAttachment('crop-0', { width: 16, height: 24, rgb: new Uint8Array(16 * 24 * 3).map((_, i) => (i * 37) % 256) });
    const features = await post('feature_extraction', { header: { camera: 'test', frame_index: 1, detection_time: new Date().toISOString(), bbox_coord: [[0, 0, 16, 24]], confidence: [1], tracklets: [-1], attachments: [crop.info] }, attachments: [crop.bytes] });
    expect(features.status).toBe(200);
    // The report carries the new version into the service's status.
    await waitFor('the model version in status.metrics', async () => {
      const o = await get('fe', 'feature-extraction');
      return o.status?.metrics?.some((m: { key: string; value: string }) => m.key === 'modelVersion' && m.value === 'v2') ? true : undefined;
    }, 30_000);
  }, 240_000);
});
