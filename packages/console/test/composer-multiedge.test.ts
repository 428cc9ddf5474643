/**
 * The composer's multi-edge compilation: graphs of the composer's units compiled to the five multi-edge kinds
 * (VideoAnalyticsJob, FeatureExtractionService, ReidJob; ObjectTrackingService, ObjectSearchService), each object
 * accepted by the API server's own strict validation (a dry run on the embedded API server), and graphs that do
 * not form one refused with the unit named.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer, type RunningApiServer } from '@sedna/apiserver';
import { compile } from '../web/src/composer/compile.js';
import { decompile } from '../web/src/composer/decompile.js';
import type { World } from '../web/src/composer/check.js';
import { newNode, unitDef, type ComposerGraph } from '../web/src/composer/units.js';
import { SEDNA_KINDS } from '../web/src/api/kinds.js';
import { TEMPLATES } from '../web/src/yaml/templates.js';
import { parse } from 'yaml';

let dir: string;
let api: RunningApiServer;

const world: World = { nodes: new Set(['cloud-node', 'edge-node-1', 'edge-node-2']), models: new Set(['detector', 'reid-mlp']), datasets: new Set() };

/** A graph from units (`id: type`, with settings) and connections (`from:port -> to:port`). */
function graph(name: string, units: Record<string, [string, Record<string, string>?]>, connections: string[]): ComposerGraph {
  return {
    name,
    namespace: 'default',
    nodes: Object.entries(units).map(([id, [type, values]]) => {
      const node = newNode(unitDef(type)!, id);
      return { ...node, values: { ...node.values, ...values } };
    }),
    edges: connections.map((c) => {
      const [from, to] = c.split(' -> ') as [string, string];
      const [source, sourcePort] = from.split(':') as [string, string];
      const [target, targetPort] = to.split(':') as [string, string];
      return { id: c, source, sourcePort, target, targetPort };
    }),
  };
}

/** The API server's answer to a strict dry-run create of the object. */
function dryRun(object: { kind?: string; metadata: { name: string } }): Promise<{ status: number; body: string }> {
  const plural = SEDNA_KINDS.find((k) => k.kind === object.kind)!.plural;
  return new Promise((resolve, reject) => {
    const req = https.request(`${api.url}/apis/sedna.io/v1alpha1/namespaces/default/${plural}?dryRun=All&fieldValidation=Strict`, { method: 'POST', ca: api.caPem, headers: { Authorization: `Bearer ${api.token}`, 'Content-Type': 'application/json' } }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end(JSON.stringify(object));
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'composer-multiedge-'));
  api = await startApiServer({ dataDir: dir, port: 0 });
});

afterAll(async () => {
  await api?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the composer compiles multi-edge inference', () => {
  it('compiles two cameras, feature extraction and ReID to the pipeline\'s three kinds, which the API accepts', async () => {
    const g = graph(
      'people',
      {
        'camera-1': ['camera', { url: 'rtsp://camera-a/stream' }],
        'camera-2': ['camera', { url: 'rtsp://camera-b/stream' }],
        detector: ['model', { model: 'detector' }],
        embedder: ['model', { model: 'reid-mlp' }],
        'video-analytics-1': ['video_analytics', { node: 'edge-node-1' }],
        'video-analytics-2': ['video_analytics', { node: 'edge-node-2', kafka: 'true' }],
        'feature-extraction-1': ['feature_extraction', { replicas: '2' }],
        'reid-1': ['reid', { queryImages: '/q/a.png|/q/b.png', matchThresh: '0.8' }],
      },
      [
        'camera-1:frames -> video-analytics-1:frames',
        'camera-2:frames -> video-analytics-2:frames',
        'detector:model -> video-analytics-1:model',
        'detector:model -> video-analytics-2:model',
        'video-analytics-1:detections -> feature-extraction-1:detections',
        'video-analytics-2:detections -> feature-extraction-1:detections',
        'embedder:model -> feature-extraction-1:model',
        'feature-extraction-1:features -> reid-1:features',
      ],
    );
    const result = compile(g, world);
    expect(result.problems).toEqual([]);
    expect(result.paradigm).toBe('MultiEdgeInference');
    expect(result.objects.map((o) => `${o.kind} ${o.metadata.name}`)).toEqual([
      'VideoAnalyticsJob people-video-analytics-1',
      'VideoAnalyticsJob people-video-analytics-2',
      'FeatureExtractionService people-feature-extraction-1',
      'ReidJob people-reid-1',
    ]);
    const [va1, va2, fe, reid] = result.objects as any[];
    expect(va1.spec).toMatchObject({ kafkaSupport: false, model: { name: 'detector' }, template: { spec: { nodeName: 'edge-node-1', restartPolicy: 'Never' } } });
    expect(va1.spec.template.spec.containers[0].env).toEqual(expect.arrayContaining([{ name: 'video_address', value: 'rtsp://camera-a/stream' }, { name: 'video_id', value: 'camera-1' }]));
    expect(va2.spec.kafkaSupport).toBe(true);
    expect(fe.spec).toMatchObject({ replicas: 2, model: { name: 'reid-mlp' }, template: { spec: { nodeName: 'cloud-node' } } });
    expect(fe.spec.selector.matchLabels).toEqual(fe.spec.template.metadata.labels);
    expect(reid.spec.template.spec.containers[0].env).toEqual([{ name: 'query_images', value: '/q/a.png|/q/b.png' }, { name: 'match_thresh', value: '0.8' }]);
    for (const o of result.objects) expect(await dryRun(o), `${o.kind} ${o.metadata.name}`).toMatchObject({ status: 201 });
    // Each object drawn again on its job page: the units it was compiled from.
    const drawn = (o: (typeof result.objects)[number]) => decompile(String(o.kind), o)!.nodes.map((n) => `${n.type}${n.values['node'] ? `@${n.values['node']}` : ''}`).sort();
    expect(drawn(va1)).toEqual(['camera', 'model', 'video_analytics@edge-node-1']);
    expect(drawn(fe)).toEqual(['feature_extraction@cloud-node', 'model']);
    expect(drawn(reid)).toEqual(['reid@cloud-node']);
  });

  it('compiles tracking and ReID workers to an ObjectTrackingService, and with a user worker to an ObjectSearchService', async () => {
    const units: Record<string, [string, Record<string, string>?]> = {
      'camera-1': ['camera', { url: '/videos/a.mp4' }],
      'camera-2': ['camera', { url: '/videos/b.mp4' }],
      'tracking-1': ['tracking', { node: 'edge-node-1' }],
      'tracking-2': ['tracking', { node: 'edge-node-2' }],
      'reid-worker-1': ['reid_worker', { replicas: '1' }],
    };
    const connections = ['camera-1:frames -> tracking-1:frames', 'camera-2:frames -> tracking-2:frames', 'tracking-1:features -> reid-worker-1:features', 'tracking-2:features -> reid-worker-1:features'];
    const tracking = compile(graph('follow', units, connections), world);
    expect(tracking.problems).toEqual([]);
    expect(tracking.objects.map((o) => o.kind)).toEqual(['ObjectTrackingService']);
    const spec = tracking.objects[0]!.spec as any;
    expect(spec.trackingWorkers.map((t: any) => t.template.spec.nodeName)).toEqual(['edge-node-1', 'edge-node-2']);
    expect(spec.reidWorkers).toMatchObject({ replicas: 1, template: { spec: { nodeName: 'cloud-node' } } });
    expect(await dryRun(tracking.objects[0]!)).toMatchObject({ status: 201 });

    const search = compile(graph('search', { ...units, 'user-worker-1': ['user_worker'] }, [...connections, 'user-worker-1:queries -> reid-worker-1:queries']), world);
    expect(search.problems).toEqual([]);
    expect(search.objects.map((o) => o.kind)).toEqual(['ObjectSearchService']);
    expect((search.objects[0]!.spec as any).userWorker.template.spec.nodeName).toBe('cloud-node');
    expect(await dryRun(search.objects[0]!)).toMatchObject({ status: 201 });
    const drawn = decompile('ObjectSearchService', search.objects[0]!)!;
    expect(drawn.nodes.map((n) => n.type).sort()).toEqual(['reid_worker', 'tracking', 'tracking', 'user_worker']);
    expect(drawn.edges).toHaveLength(3);
  });

  it('refuses graphs that form no multi-edge job, naming the unit', () => {
    // A ReID job fed by tracking workers mixes the two shapes.
    const mixed = compile(graph('mixed', { 'tracking-1': ['tracking'], 'reid-1': ['reid'] }, ['tracking-1:features -> reid-1:features']), world);
    expect(mixed.objects).toEqual([]);
    expect(mixed.problems.map((p) => p.message).join('\n')).toContain('mixes the multi-edge pipeline');
    // A video analytics unit without its camera and model, not feeding the feature extraction; bad replicas.
    const loose = compile(graph('loose', { 'video-analytics-1': ['video_analytics'], 'feature-extraction-1': ['feature_extraction', { replicas: 'two' }] }, []), world);
    const messages = loose.problems.map((p) => p.message);
    expect(messages).toEqual(expect.arrayContaining([
      'video-analytics-1: input frames (frames) is not connected',
      'video-analytics-1: input model (model) is not connected',
      'video-analytics-1: its detections go to the feature extraction (connect video-analytics-1:detections to feature-extraction-1)',
      'feature-extraction-1: Replicas must be a whole number, at least 1 (got "two")',
    ]));
    expect(loose.objects).toEqual([]);
    // An object search service needs its ReID workers; a user worker alone is not one.
    const lonely = compile(graph('lonely', { 'user-worker-1': ['user_worker'] }, []), world);
    expect(lonely.problems.map((p) => p.message)).toEqual(expect.arrayContaining(['ObjectSearchService needs at least one tracking worker (one per camera)', 'ObjectSearchService needs a reid worker unit']));
  });
});

describe('the Create page\'s templates', () => {
  it('has one for every kind the console shows, and the API accepts each', async () => {
    expect(Object.keys(TEMPLATES).sort()).toEqual(SEDNA_KINDS.map((k) => k.kind).sort());
    for (const [kind, text] of Object.entries(TEMPLATES)) {
      const object = parse(text) as { kind?: string; metadata: { name: string } };
      expect(object.kind).toBe(kind);
      expect(await dryRun(object), kind).toMatchObject({ status: 201 });
    }
  });
});
