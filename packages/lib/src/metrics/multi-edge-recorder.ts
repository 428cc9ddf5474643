/**
 * What the multi-edge workers call on their loops (camera, feature extraction, ReID): the catalogue's
 * `sedna_multi_edge_inference_*` metrics with their labels bound once. The first call serves the worker's /metrics
 * where its environment says (./worker-metrics.ts), so a multi-edge worker is scraped like every worker.
 */
import { multiEdgeInferenceMetrics, type Owner, type TransportFigures } from '@sedna/metrics';
import { ownerFromEnv, workerRegistry } from './worker-metrics.js';

export interface CameraRecorder {
  /** A frame read from the source; `detections` objects found in it (0 while the background is learnt). */
  frame(detections: number): void;
  /** A frame dropped because the uplink's queue was full. */
  dropped(): void;
  /** The frames per second read since the camera started. */
  fps(value: number): void;
  /** A frame's features are back (or computed beside the camera): milliseconds since its capture. */
  result(msSinceCapture: number): void;
  /** Bytes sent up (crops, features). */
  uploaded(bytes: number): void;
}

export interface MultiEdgeRecorder {
  camera(name: string): CameraRecorder;
  /** One feature extraction call of `boxes` crops that took `seconds`. */
  extraction(boxes: number, seconds: number): void;
  /** Boxes the ReID worker compared. */
  reidBoxes(count: number): void;
  /** A box matched a query target; `msSinceCapture` when the frame's capture time is known. */
  match(msSinceCapture: number | undefined): void;
  /** The identities held across the cameras. */
  identities(count: number): void;
  /** A service transport's counters (RestServer/NatsServer `stats`), read when scraped. */
  transport(kind: 'rest' | 'nats', stats: Omit<TransportFigures, 'transport'>): void;
}

export function multiEdgeRecorder(owner: Owner = ownerFromEnv()): MultiEdgeRecorder {
  const m = multiEdgeInferenceMetrics(workerRegistry());
  const extracted = m.extractedFeatures.labels(owner);
  const extraction = m.extractionDuration.labels(owner);
  const boxes = m.reidBoxes.labels(owner);
  const matches = m.reidMatches.labels(owner);
  const toMatch = m.captureToMatch.labels(owner);
  const identities = m.identities.labels(owner);
  // Every series exists from the start: a rate over nothing yet is 0, not absent.
  m.extractionDuration.zero(owner);
  m.captureToMatch.zero(owner);
  extracted.inc(0);
  boxes.inc(0);
  matches.inc(0);
  return {
    camera: (name) => {
      const labels = { ...owner, camera: m.cameraLabel.value(name) };
      const frames = m.frames.labels(labels);
      const detections = m.detections.labels(labels);
      const dropped = m.droppedFrames.labels(labels);
      const fps = m.cameraFps.labels(labels);
      const latency = m.frameToResult.labels(labels);
      const bytes = m.uploadedBytes.labels(labels);
      m.frameToResult.zero(labels);
      frames.inc(0);
      detections.inc(0);
      dropped.inc(0);
      bytes.inc(0);
      return {
        frame: (n) => {
          frames.inc();
          if (n > 0) detections.inc(n);
        },
        dropped: () => dropped.inc(),
        fps: (v) => fps.set(v),
        result: (ms) => latency.observe(Math.max(0, ms) / 1000),
        uploaded: (n) => bytes.inc(n),
      };
    },
    extraction: (n, seconds) => {
      extracted.inc(n);
      extraction.observe(seconds);
    },
    reidBoxes: (n) => boxes.inc(n),
    match: (ms) => {
      matches.inc();
      if (ms !== undefined && Number.isFinite(ms)) toMatch.observe(Math.max(0, ms) / 1000);
    },
    identities: (n) => identities.set(n),
    transport: (kind, stats) => void m.watchTransport(owner, () => ({ transport: kind, received: stats.received, answered: stats.answered, rejected: stats.rejected, failed: stats.failed })),
  };
}
