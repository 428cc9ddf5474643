/** REST and NATS JetStream transports against a real nats-server (started here on a free port), and the camera sources. */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { connect } from 'nats';
import { afterAll, describe, expect, it } from 'vitest';
import { tempFolder } from '../../../../../test-kit/index.js';
import { ArrayFrameSource, CameraError, FfmpegFrameSource } from './camera.js';
import { NatsClient, NatsServer, connectBroker } from './nats.js';
import { useNatsServer } from '../../../test/helpers/nats-fixture.js';
import { RestClient, RestServer } from './rest.js';
import { cropAttachment, featuresOf, withFeatures, type DetTrackMessage } from './wire.js';

const nats = useNatsServer('mei');
/** Videos the camera tests make. */
const { dir, remove } = tempFolder('sedna-mei-video-');
afterAll(remove);

function frameMessage(camera: string, index: number): DetTrackMessage {
  const crop = cropAttachment('c', { width: 1, height: 1, rgb: new Uint8Array([index, 0, 0]) });
  return { header: { camera, frame_index: index, detection_time: new Date().toISOString(), bbox_coord: [[0, 0, 1, 1]], confidence: [1], tracklets: [-1], attachments: [crop.info] }, attachments: [crop.bytes] };
}
/** A stand-in feature extractor: the feature is [frame_index]. */
const extract = async (m: DetTrackMessage) => withFeatures(m, [new Float32Array([m.header.frame_index])], 1);

describe('REST transport', () => {
  it('answers on the original path, refuses malformed bodies and keeps serving', async () => {
    const server = new RestServer({ host: '127.0.0.1', port: 0, service: 'feature_extraction', routes: { feature_extraction: extract } });
    const { port } = await server.listen();
    const got: DetTrackMessage[] = [];
    const client = new RestClient(`http://127.0.0.1:${port}`, 'feature_extraction', 'feature_extraction', (m) => got.push(m));
    await client.send(frameMessage('cam-a', 7));
    expect(featuresOf(got[0]!)!.rows[0]![0]).toBe(7);
    const bad = await fetch(`http://127.0.0.1:${port}/feature_extraction/feature_extraction`, { method: 'POST', body: 'garbage!' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/malformed message/);
    await client.send(frameMessage('cam-a', 8));
    expect(got.length).toBe(2);
    const status = (await (await fetch(`http://127.0.0.1:${port}/feature_extraction/status`)).json()) as { rejected: number; answered: number };
    expect(status).toMatchObject({ rejected: 1, answered: 2 });
    await server.close();
  });
});

describe('NATS JetStream transport', () => {
  it('returns each result to the camera that sent it, rejects malformed messages and keeps serving', async () => {
    const broker = { kind: 'nats' as const, servers: [nats.url], source: 'test' };
    const common = { broker, namespace: 'default', service: 'feature-extraction', inTopic: 'object_detection', outTopic: 'enriched_object' };
    const server = new NatsServer(common, extract);
    await server.start();
    const byCamera: Record<string, number[]> = { 'cam-a': [], 'cam-b': [] };
    const clients = await Promise.all(
      ['cam-a', 'cam-b'].map(async (camera) => {
        const c = new NatsClient({ ...common, camera }, (m) => {
          expect(m.header.camera).toBe(camera);
          byCamera[camera]!.push(featuresOf(m)!.rows[0]![0]!);
        });
        await c.start();
        return c;
      }),
    );
    const raw = await connect({ servers: nats.url });
    await raw.jetstream().publish('sedna.default.feature-extraction.object_detection', new TextEncoder().encode('not a message'));
    for (let i = 0; i < 5; i++) {
      await clients[0]!.send(frameMessage('cam-a', i));
      await clients[1]!.send(frameMessage('cam-b', 100 + i));
    }
    const deadline = Date.now() + 20_000;
    while ((byCamera['cam-a']!.length < 5 || byCamera['cam-b']!.length < 5) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(byCamera['cam-a']!.sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4]);
    expect(byCamera['cam-b']!.sort((a, b) => a - b)).toEqual([100, 101, 102, 103, 104]);
    expect(server.stats.rejected).toBe(1);
    await raw.close();
    for (const c of clients) await c.close();
    await server.close();
  });

  it('gives up on an unreachable broker after bounded attempts, naming it', async () => {
    await expect(connectBroker({ kind: 'nats', servers: ['nats://127.0.0.1:1'], source: 'test' }, 2)).rejects.toThrow(/cannot reach the broker at nats:\/\/127\.0\.0\.1:1 after 2 attempts/);
  });
});

describe('camera sources', () => {
  it('reads raw RGB frames from a video file through ffmpeg at the job fps', async () => {
    const video = join(dir, 'test.mp4');
    const made = spawnSync('ffmpeg', ['-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc=size=64x48:rate=10:duration=1', '-pix_fmt', 'yuv420p', video]);
    expect(made.status, made.stderr?.toString()).toBe(0);
    const source = new FfmpegFrameSource({ url: video, fps: 5 });
    expect([source.width, source.height]).toEqual([64, 48]);
    const frames = [];
    for await (const f of source.frames()) frames.push(f);
    expect(frames.length).toBe(5);
    expect(frames[0]!.rgb.length).toBe(64 * 48 * 3);
    const cropped = new FfmpegFrameSource({ url: video, fps: 10, crop: '32:48:16:0' });
    expect(cropped.width).toBe(32);
  });

  it('fails clearly on a source that cannot be read', async () => {
    expect(() => new FfmpegFrameSource({ url: join(dir, 'missing.mp4'), fps: 5 })).toThrow(CameraError);
    const source = new FfmpegFrameSource({ url: join(dir, 'missing.mp4'), fps: 5, width: 4, height: 4 });
    await expect((async () => { for await (const _ of source.frames()) void _; })()).rejects.toThrow(/failed|gave no frames/);
  });

  it('serves frames from memory without ffmpeg', async () => {
    const src = new ArrayFrameSource(2, 1, [new Uint8Array(6), new Uint8Array(6).fill(1)]);
    const got = [];
    for await (const f of src.frames()) got.push(f.index);
    expect(got).toEqual([0, 1]);
    expect(() => new ArrayFrameSource(2, 2, [new Uint8Array(3)])).toThrow(/needs 12/);
  });
});
