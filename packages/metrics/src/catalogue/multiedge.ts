/**
 * Multi-edge inference (video analytics, feature extraction, ReID, object search and tracking): what the workers
 * measure on their frame, detection and matching loops. The proposal's catalogue names "frames, detections, matches,
 * per-camera fps" for it; the latencies of issue 16's benchmark (frame to result, capture to match) are here too, so
 * a dashboard shows what the benchmark measures.
 *
 * Labels: `namespace`, `name` (the job or service, from the worker's environment), `camera` (the worker's camera,
 * `video_id`: one per edge worker, passed through a BoundedLabel), `transport` (rest, nats) and `result` from fixed
 * sets. Never a frame, a track or an identity.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { BoundedLabel } from '../bounded.js';
import { once } from './paradigms.js';

/** Frame to result on a shared machine: 5 ms (features computed beside the camera) to 10 s (a congested link). */
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.5, 1, 2.5, 5, 10];
/** One feature extraction call: a few crops through a small model, 100 µs to 2.5 s. */
const EXTRACTION_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

type OwnerLabels = 'namespace' | 'name';
type CameraLabels = OwnerLabels | 'camera';

/** What the transports of a worker count (the lib's TransportStats), read when scraped. */
export interface TransportFigures {
  transport: 'rest' | 'nats';
  received: number;
  answered: number;
  rejected: number;
  failed: number;
}

export interface MultiEdgeInferenceMetrics {
  frames: Counter<CameraLabels>;
  droppedFrames: Counter<CameraLabels>;
  detections: Counter<CameraLabels>;
  cameraFps: Gauge<CameraLabels>;
  frameToResult: Histogram<CameraLabels>;
  uploadedBytes: Counter<CameraLabels>;
  extractedFeatures: Counter<OwnerLabels>;
  extractionDuration: Histogram<OwnerLabels>;
  reidBoxes: Counter<OwnerLabels>;
  reidMatches: Counter<OwnerLabels>;
  captureToMatch: Histogram<OwnerLabels>;
  identities: Gauge<OwnerLabels>;
  /** Camera names come from the workers' env: few in practice, capped for safety. */
  cameraLabel: BoundedLabel;
  /** Registers a transport's counters (the family `sedna_multi_edge_inference_messages_total`); returns the unregistering. */
  watchTransport(owner: { namespace: string; name: string }, source: () => TransportFigures): () => void;
}

export function multiEdgeInferenceMetrics(registry: Registry): MultiEdgeInferenceMetrics {
  return once(registry, 'mei', () => {
    const camera = (name: string, help: string) => new Counter<CameraLabels>({ name, help, labelNames: ['namespace', 'name', 'camera'], registers: [registry] });
    const owner = (name: string, help: string) => new Counter<OwnerLabels>({ name, help, labelNames: ['namespace', 'name'], registers: [registry] });
    const transports = new Set<{ owner: { namespace: string; name: string }; source: () => TransportFigures }>();
    new Counter<OwnerLabels | 'transport' | 'result'>({
      name: 'sedna_multi_edge_inference_messages_total',
      help: 'Messages a multi-edge service took in, by transport (rest, nats) and result (received, answered, rejected as malformed, failed in the handler)',
      labelNames: ['namespace', 'name', 'transport', 'result'],
      registers: [registry],
      collect() {
        // Read from the transports' own counters when scraped: they count on their hot path anyway.
        this.reset();
        for (const t of transports) {
          const f = t.source();
          for (const result of ['received', 'answered', 'rejected', 'failed'] as const) this.inc({ ...t.owner, transport: f.transport, result }, f[result]);
        }
      },
    });
    return {
      frames: camera('sedna_multi_edge_inference_frames_total', 'Frames a camera worker read from its source'),
      droppedFrames: camera('sedna_multi_edge_inference_dropped_frames_total', 'Frames a camera worker dropped because its uplink could not keep up (bounded queue full)'),
      detections: camera('sedna_multi_edge_inference_detections_total', 'Objects the detector found in a camera\'s frames'),
      cameraFps: new Gauge<CameraLabels>({ name: 'sedna_multi_edge_inference_camera_fps', help: 'Frames per second a camera worker has read since it started (per-camera fps)', labelNames: ['namespace', 'name', 'camera'], registers: [registry] }),
      frameToResult: new Histogram<CameraLabels>({ name: 'sedna_multi_edge_inference_frame_to_result_seconds', help: 'From a frame\'s capture to its boxes\' features back at the camera (or computed beside it)', labelNames: ['namespace', 'name', 'camera'], buckets: LATENCY_BUCKETS, registers: [registry] }),
      uploadedBytes: camera('sedna_multi_edge_inference_uploaded_bytes_total', 'Bytes a camera worker sent up (crops, features), for bytes per frame with the frames'),
      extractedFeatures: owner('sedna_multi_edge_inference_extracted_features_total', 'Boxes the feature extractor turned into feature vectors'),
      extractionDuration: new Histogram<OwnerLabels>({ name: 'sedna_multi_edge_inference_feature_extraction_seconds', help: 'Time of one feature extraction call (one frame\'s crops)', labelNames: ['namespace', 'name'], buckets: EXTRACTION_BUCKETS, registers: [registry] }),
      reidBoxes: owner('sedna_multi_edge_inference_reid_boxes_total', 'Boxes with features the ReID worker compared'),
      reidMatches: owner('sedna_multi_edge_inference_reid_matches_total', 'Boxes the ReID worker matched to a query target (hits of object search)'),
      captureToMatch: new Histogram<OwnerLabels>({ name: 'sedna_multi_edge_inference_capture_to_match_seconds', help: 'From the capture of a frame to the ReID worker\'s match of one of its boxes', labelNames: ['namespace', 'name'], buckets: LATENCY_BUCKETS, registers: [registry] }),
      identities: new Gauge<OwnerLabels>({ name: 'sedna_multi_edge_inference_identities', help: 'Identities the ReID worker holds across the cameras', labelNames: ['namespace', 'name'], registers: [registry] }),
      cameraLabel: new BoundedLabel(64),
      watchTransport: (o, source) => {
        const entry = { owner: o, source };
        transports.add(entry);
        return () => void transports.delete(entry);
      },
    };
  });
}
