/**
 * Multi-edge inference from the composer's units, in two shapes (packages/api/src/sedna/multiedge.ts):
 *  - the pipeline: a VideoAnalyticsJob per camera's video analytics unit (on its edge node, the camera's URL as
 *    `video_address`), a FeatureExtractionService, a ReidJob; any of them alone is a graph too. Each object is
 *    named `<graph name>-<unit id>`.
 *  - the services: tracking workers (one per camera) and ReID workers form an ObjectTrackingService; with a user
 *    worker taking the queries, an ObjectSearchService. One object named as the graph.
 */
import type { KubeObject } from '../api/types.js';
import { type CompileContext, template } from './compile-common.js';
import type { ComposerNode } from './units.js';

export type MultiEdgeParadigm = 'MultiEdgeInference' | 'ObjectSearchService' | 'ObjectTrackingService';

export const MULTI_EDGE_PIPELINE_UNITS = ['video_analytics', 'feature_extraction', 'reid'];
export const MULTI_EDGE_SERVICE_UNITS = ['tracking', 'reid_worker', 'user_worker'];

const apiVersion = 'sedna.io/v1alpha1';

function replicas(n: ComposerNode, ctx: CompileContext): number {
  const text = (n.values['replicas'] ?? '1').trim() || '1';
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) ctx.problems.push({ node: n.id, message: `${n.id}: Replicas must be a whole number, at least 1 (got ${JSON.stringify(text)})` });
  return value;
}

function kafkaSupport(n: ComposerNode, ctx: CompileContext): boolean {
  const text = (n.values['kafka'] ?? 'false').trim().toLowerCase();
  if (text !== 'true' && text !== 'false') ctx.problems.push({ node: n.id, message: `${n.id}: kafkaSupport must be true or false (got ${JSON.stringify(n.values['kafka'])})` });
  return text === 'true';
}

/** The camera feeding a unit's frames: its URL and the unit id as the video's id. */
function video(n: ComposerNode, ctx: CompileContext): Record<string, string> {
  const camera = ctx.source(n, 'frames');
  if (camera && camera.type !== 'camera') ctx.problems.push({ node: n.id, message: `${n.id}: its frames come from a camera unit (found ${camera.type})` });
  return camera?.type === 'camera' ? { video_address: camera.values['url'] ?? '', video_id: camera.id } : {};
}

/** A Deployment-shaped worker group (feature extraction, ReID workers): replicas, a selector and its labels. */
function deployment(name: string, n: ComposerNode, ctx: CompileContext, env: Record<string, string> = {}) {
  // Two copies: one object in both places would be written as a YAML anchor and alias (&a1, *a1).
  const labels = () => ({ 'sedna.io/composed': name });
  return { replicas: replicas(n, ctx), selector: { matchLabels: labels() }, template: template(n, env, { labels: labels() }) };
}

function pipeline(ctx: CompileContext): KubeObject[] {
  const { g } = ctx;
  const meta = (n: ComposerNode) => ({ name: `${g.name}-${n.id}`, namespace: g.namespace });
  const objects: KubeObject[] = [];
  const extractors = ctx.all('feature_extraction');
  const reids = ctx.all('reid');
  if (extractors.length > 1) ctx.problems.push({ message: `multi-edge inference takes one feature extraction unit, the graph has ${extractors.length}` });
  for (const va of ctx.all('video_analytics')) {
    const model = ctx.feeding(va, 'model', 'model');
    objects.push({
      apiVersion, kind: 'VideoAnalyticsJob', metadata: meta(va),
      spec: { backoffLimit: 5, kafkaSupport: kafkaSupport(va, ctx), model: { name: model }, template: template(va, { ...video(va, ctx), op_mode: va.values['opMode'] ?? '' }, { restartPolicy: 'Never' }) },
    });
    if (extractors[0] && !ctx.connected(va, extractors[0])) ctx.problems.push({ node: va.id, message: `${va.id}: its detections go to the feature extraction (connect ${va.id}:detections to ${extractors[0].id})` });
  }
  const fe = extractors[0];
  if (fe) {
    objects.push({ apiVersion, kind: 'FeatureExtractionService', metadata: meta(fe), spec: { kafkaSupport: kafkaSupport(fe, ctx), model: { name: ctx.feeding(fe, 'model', 'model') }, ...deployment(`${g.name}-${fe.id}`, fe, ctx) } });
  }
  for (const reid of reids) {
    if (ctx.source(reid, 'features')?.type !== 'feature_extraction') ctx.problems.push({ node: reid.id, message: `${reid.id}: a ReID job matches the feature extraction's features (connect a feature extraction unit to it)` });
    const env = { query_images: reid.values['queryImages'] ?? '', match_thresh: reid.values['matchThresh'] ?? '' };
    objects.push({ apiVersion, kind: 'ReidJob', metadata: meta(reid), spec: { backoffLimit: 5, kafkaSupport: kafkaSupport(reid, ctx), template: template(reid, env, { restartPolicy: 'Never' }) } });
  }
  return objects;
}

function service(kind: 'ObjectSearchService' | 'ObjectTrackingService', ctx: CompileContext): KubeObject[] {
  const { g } = ctx;
  const trackers = ctx.all('tracking');
  if (trackers.length === 0) ctx.problems.push({ message: `${kind} needs at least one tracking worker (one per camera)` });
  const reid = ctx.one('reid_worker', kind);
  for (const t of trackers) {
    if (reid && !ctx.connected(t, reid)) ctx.problems.push({ node: t.id, message: `${t.id}: its features go to the ReID workers (connect ${t.id}:features to ${reid.id})` });
  }
  const spec: Record<string, unknown> = {
    trackingWorkers: trackers.map((t) => ({ template: template(t, video(t, ctx)) })),
    ...(reid ? { reidWorkers: deployment(g.name, reid, ctx, { match_thresh: reid.values['matchThresh'] ?? '' }) } : {}),
  };
  if (kind === 'ObjectSearchService') {
    const user = ctx.one('user_worker', kind);
    if (user && reid && !ctx.connected(user, reid)) ctx.problems.push({ node: user.id, message: `${user.id}: its queries go to the ReID workers (connect ${user.id}:queries to ${reid.id})` });
    if (user) spec['userWorker'] = { template: template(user) };
  }
  return [{ apiVersion, kind, metadata: { name: g.name, namespace: g.namespace }, spec }];
}

export function compileMultiEdge(paradigm: MultiEdgeParadigm, ctx: CompileContext): KubeObject[] {
  return paradigm === 'MultiEdgeInference' ? pipeline(ctx) : service(paradigm, ctx);
}
