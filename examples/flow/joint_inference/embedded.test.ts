/**
 * On the embedded control plane (`sedna up`), on a slice: the joint inference service with its edge worker as a
 * graph (graph.toml) streams 300 images, the hard ones through the example's big model service, and the counts
 * land in the service's status; a broken image at the end of the camera's index is dropped by the decode unit and
 * shows as a Kubernetes Event on the edge worker's Pod; and ModelBox's mnist graph shape (../mnist_http) runs as a
 * Pod answering HTTP.
 */
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OnnxEstimator } from '@sedna/lib';
import { sedna, waitFor } from '../../../packages/cli/test/harness.js';
import { defaultKubectl, kubectlRunner } from '../../common/kubectl.js';
import { useSednaUp } from '../../common/sedna-up-fixture.js';
import { freePort } from '../../common/worker-process.js';
import { prepareJointInference } from './prepare.js';

const exampleDir = resolve(import.meta.dirname, '.');
const repo = resolve(exampleDir, '../../..');
const up = useSednaUp({ name: 'flow-ji', edgeNodes: 1, exampleDir });

describe('graphs as Sedna workers on sedna up', () => {
  it('runs the joint inference edge worker as a graph, and the mnist graph shape as a Pod', async () => {
    const prepared = await prepareJointInference({ work: up.workDir, count: 300, trainCount: 3000, epochsLittle: 2, epochsBig: 2, log: () => undefined });
    // One item a unit fails on: the stream goes on without it, and an Event says so.
    writeFileSync(join(prepared.cameraIndex, '..', 'broken.pgm'), 'not an image');
    appendFileSync(prepared.cameraIndex, 'broken.pgm 0\n');
    const output = join(up.workDir, 'output');
    const port = await freePort();
    const fill = (text: string): string =>
      text
        .replaceAll('$REPO_DIR', repo)
        .replaceAll('$MODELS_DIR', join(up.workDir, 'models'))
        .replaceAll('$CAMERA_INDEX', prepared.cameraIndex)
        .replaceAll('$OUTPUT_DIR', output)
        .replaceAll('$EDGE_NODE', 'edge-node-1')
        .replaceAll('$CLOUD_NODE', 'cloud-node')
        .replaceAll('$MODEL_URL', prepared.littleModel)
        .replaceAll('$PORT', String(port))
        .replaceAll('$NODE', 'edge-node-1');
    const manifest = join(up.workDir, 'flow.yaml');
    writeFileSync(manifest, `${fill(readFileSync(join(exampleDir, 'joint_inference.yaml'), 'utf8'))}\n---\n${fill(readFileSync(join(exampleDir, '../mnist_http/pod.yaml'), 'utf8'))}`);
    const applied = await sedna(['apply', '-f', manifest, '--data-dir', up.dataDir]);
    expect(applied.status, applied.stderr).toBe(0);

    // The edge graph: every image answered, by the edge or (hard ones) by the cloud; the counts in the status.
    const results = join(output, 'results.txt');
    const lines = await waitFor('300 results', () => {
      try {
        const all = readFileSync(results, 'utf8').trim().split('\n');
        return all.length >= 300 ? all : undefined;
      } catch {
        return undefined;
      }
    }, 180_000);
    expect(lines).toHaveLength(300);
    const parsed = lines.map((line) => line.split(' '));
    expect(parsed.map((p) => p[0])).toEqual(Array.from({ length: 300 }, (_, k) => `img-${String(k).padStart(5, '0')}`));
    const cloud = parsed.filter((p) => p[3] === 'cloud').length;
    expect(cloud).toBeGreaterThan(0);
    expect(cloud).toBeLessThan(300);
    expect(parsed.every((p) => p[3] === 'cloud' || p[3] === 'edge')).toBe(true);
    const correct = parsed.filter((p) => p[1] === p[2]).length;
    expect(correct / 300).toBeGreaterThan(0.6);
    const metrics = await waitFor('the service status metrics', async () => {
      const r = await sedna(['get', 'ji', 'fashion-mnist-flow', '-o', 'json', '--data-dir', up.dataDir]);
      const list = (JSON.parse(r.stdout).status?.metrics ?? []) as { key: string; value: string }[];
      const m = Object.fromEntries(list.map((e) => [e.key, e.value]));
      return m.inferenceNumber === '300' ? m : undefined;
    }, 60_000);
    expect(metrics.hardExampleNumber).toBe(String(cloud));

    // The broken image: dropped by decode, reported by the worker with its LC report, an Event on its Pod.
    const kubectl = kubectlRunner(defaultKubectl(), up.handle.kubeconfig);
    const event = await waitFor('the ItemFailed event', async () => {
      const r = await kubectl(['get', 'events', '--field-selector', 'reason=ItemFailed', '-o', 'json']);
      return (JSON.parse(r.stdout || '{"items":[]}').items as { involvedObject: { kind: string; name: string }; message: string; count: number; source: { component: string } }[])[0];
    }, 60_000);
    expect(event.involvedObject.kind).toBe('Pod');
    expect(event.involvedObject.name).toMatch(/fashion-mnist-flow/);
    expect(event.message).toMatch(/node decode: an item was dropped/);
    expect(event.count).toBe(1);
    expect(event.source.component).toBe('sedna-worker');

    // The mnist graph shape as a Pod: each POSTed image answered with the little model's class.
    const model = new OnnxEstimator();
    await model.load(prepared.littleModel);
    const index = readFileSync(prepared.cameraIndex, 'utf8').trim().split('\n').slice(0, 5);
    for (const line of index) {
      const file = join(prepared.cameraIndex, '..', line.split(' ')[0] as string);
      const pixels = readFileSync(file).subarray(-784);
      const answer = await waitFor('the mnist pod', async () => {
        try {
          const res = await fetch(`http://127.0.0.1:${port}/`, { method: 'POST', body: pixels });
          return res.ok ? ((await res.json()) as { class: number }) : undefined;
        } catch {
          return undefined;
        }
      }, 60_000);
      const out = await model.predict({ data: Float32Array.from(pixels, (v) => v / 255), shape: [1, 784] });
      expect(answer.class).toBe(out.data.indexOf(Math.max(...out.data)));
    }
    const pod = await sedna(['logs', 'mnist-http-flow', '--data-dir', up.dataDir]);
    expect(pod.stdout).toMatch(/graph MNIST: 6 nodes, 5 edges/);
  }, 300_000);
});
