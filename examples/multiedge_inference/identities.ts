/**
 * Identities kept across cameras: each camera's tracklet (the tracker's id there) gets a global identity once it has
 * a few features, the identity of another camera whose mean feature is closest by cosine (at least `threshold`),
 * else a new one. Tracklets of one camera never share an identity: its tracker already told them apart. Shared by
 * the ReID job and the ReID workers of ObjectSearch/ObjectTracking.
 */
import { cosine, meanFeature } from '@sedna/lib/multi_edge_inference';

interface Tracklet {
  camera: string;
  track: number;
  features: Float32Array[];
  global?: number;
}

export interface IdentityLine {
  camera: string;
  track: number;
  global: number | undefined;
}

/** Features kept per tracklet: enough for a stable mean, bounded memory. */
const MAX_FEATURES = 20;

export class CrossCameraIdentities {
  private readonly tracklets_ = new Map<string, Tracklet>();
  private readonly globals: { id: number; cameras: Set<string>; feature: Float32Array }[] = [];

  constructor(
    private readonly threshold: number,
    private readonly minFeatures = 3,
  ) {}

  get count(): number {
    return this.globals.length;
  }

  /** Tracklets seen so far (the lines of lines()). */
  get tracklets(): number {
    return this.tracklets_.size;
  }

  /** One box's feature; returns the tracklet's global identity once it has one. */
  add(camera: string, track: number, feature: Float32Array): number | undefined {
    const key = `${camera}/${track}`;
    const t = this.tracklets_.get(key) ?? { camera, track, features: [] };
    if (t.features.length < MAX_FEATURES) t.features.push(feature);
    this.tracklets_.set(key, t);
    this.assign(t);
    return t.global;
  }

  /** Gives the short tracklets (fewer features than needed) an identity too, from what they have. */
  finish(): void {
    for (const t of this.tracklets_.values()) if (t.global === undefined && t.features.length > 0) this.assign(t, true);
  }

  lines(): IdentityLine[] {
    return [...this.tracklets_.values()].map((t) => ({ camera: t.camera, track: t.track, global: t.global }));
  }

  private assign(t: Tracklet, force = false): void {
    if (t.global !== undefined || (!force && t.features.length < this.minFeatures)) return;
    const mean = meanFeature(t.features);
    let best = -1;
    let score = this.threshold;
    for (const g of this.globals) {
      if (g.cameras.has(t.camera)) continue; // same camera: the tracker already separated them
      const s = cosine(mean, g.feature);
      if (s >= score) {
        score = s;
        best = g.id;
      }
    }
    if (best < 0) {
      best = this.globals.length + 1;
      this.globals.push({ id: best, cameras: new Set([t.camera]), feature: mean });
    } else this.globals[best - 1]!.cameras.add(t.camera);
    t.global = best;
  }
}
