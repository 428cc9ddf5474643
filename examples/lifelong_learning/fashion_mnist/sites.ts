/**
 * The sites of the example: cameras in different places of a clothing warehouse, each seeing real Fashion-MNIST
 * images under its own conditions. A site's condition is a fixed mounting (rotation), a fixed kind of sensor
 * (inverted intensities for the thermal camera) and per-image variation (contrast, brightness, noise), drawn from a
 * seeded generator so the data is the same on every run.
 */
import { randomNormal, type Rng } from './sedna-lib.js';

export const IMAGE_SIDE = 28;

export interface SiteCondition {
  /** Clockwise rotation of the camera, degrees. */
  rotation: 0 | 90 | 180 | 270;
  /** A thermal-like sensor: dark garments on a bright background. */
  invert: boolean;
  /** Per-image contrast factor, drawn uniformly from [min, max]. */
  contrast: readonly [number, number];
  /** Per-image brightness offset, drawn uniformly from [min, max] (in [0, 1] pixel units). */
  brightness: readonly [number, number];
  /** Standard deviation of the per-pixel sensor noise (in [0, 1] pixel units). */
  noise: number;
}

export interface Site {
  name: string;
  description: string;
  condition: SiteCondition;
}

export const SITES: readonly Site[] = [
  { name: 'entrance', description: 'upright camera at the entrance, daylight', condition: { rotation: 0, invert: false, contrast: [0.85, 1], brightness: [0, 0.05], noise: 0.02 } },
  { name: 'loading-dock', description: 'camera mounted sideways (90°), noisy sensor', condition: { rotation: 90, invert: false, contrast: [0.8, 1], brightness: [0, 0.05], noise: 0.04 } },
  { name: 'ceiling', description: 'ceiling camera, upside down (180°), dim', condition: { rotation: 180, invert: false, contrast: [0.55, 0.75], brightness: [0, 0.03], noise: 0.03 } },
  { name: 'thermal-gate', description: 'thermal camera at the back gate: inverted intensities', condition: { rotation: 0, invert: true, contrast: [0.8, 1], brightness: [0, 0.05], noise: 0.03 } },
];

/** The sites the knowledge base starts with, and the one that appears later. */
export const INITIAL_SITES = ['entrance', 'loading-dock', 'ceiling'] as const;
export const NEW_SITE = 'thermal-gate';

export function siteNamed(name: string): Site {
  const site = SITES.find((s) => s.name === name);
  if (site === undefined) throw new Error(`no site "${name}" (sites: ${SITES.map((s) => s.name).join(', ')})`);
  return site;
}

/** One 28×28 grey image (0..255) as the site's camera sees it. */
export function renderAtSite(pixels: Uint8Array, condition: SiteCondition, rng: Rng): Uint8Array {
  const side = IMAGE_SIDE;
  if (pixels.length !== side * side) throw new Error(`a site renders ${side}×${side} images, got ${pixels.length} pixels`);
  const contrast = uniform(rng, condition.contrast);
  const brightness = uniform(rng, condition.brightness);
  const out = new Uint8Array(side * side);
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      const [sy, sx] = sourceOf(y, x, condition.rotation);
      let v = ((pixels[sy * side + sx] as number) / 255) * contrast + brightness;
      if (condition.invert) v = 1 - v;
      if (condition.noise > 0) v += condition.noise * randomNormal(rng);
      out[y * side + x] = Math.round(Math.min(1, Math.max(0, v)) * 255);
    }
  }
  return out;
}

/** Where output pixel (y, x) comes from under a clockwise rotation. */
function sourceOf(y: number, x: number, rotation: SiteCondition['rotation']): [number, number] {
  const last = IMAGE_SIDE - 1;
  switch (rotation) {
    case 0:
      return [y, x];
    case 90:
      return [last - x, y];
    case 180:
      return [last - y, last - x];
    case 270:
      return [x, last - y];
  }
}

function uniform(rng: Rng, [min, max]: readonly [number, number]): number {
  return min + (max - min) * rng.next();
}

