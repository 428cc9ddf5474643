/**
 * The new site the edge camera sees: real Fashion-MNIST test images as another camera would take them - turned
 * (a fixed angle plus some jitter), with less contrast, a brighter background and sensor noise. Deterministic:
 * image k of the test set always gets the same shift, whatever slice is asked for.
 */
import { createRng, randomNormal } from './lib.js';

export interface SiteShift {
  /** Rotation in degrees, plus a uniform jitter of ± rotationJitter. */
  rotation: number;
  rotationJitter: number;
  /** v' = contrast * v + brightness + noise, clipped to 0..255. */
  contrast: number;
  brightness: number;
  /** Standard deviation of the Gaussian sensor noise, in grey levels. */
  noise: number;
  seed: number;
}

export const NEW_SITE: SiteShift = { rotation: 15, rotationJitter: 5, contrast: 0.85, brightness: 15, noise: 12, seed: 2026 };

/** Shifts `count` 28×28 images; `firstIndex` is the test-set index of the first (it seeds each image's shift). */
export function shiftImages(pixels: Uint8Array, count: number, firstIndex: number, shift: SiteShift = NEW_SITE, side = 28): Uint8Array {
  const size = side * side;
  if (pixels.length !== count * size) throw new Error(`expected ${count} images of ${side}×${side}, got ${pixels.length} pixels`);
  const out = new Uint8Array(pixels.length);
  const center = (side - 1) / 2;
  for (let k = 0; k < count; k++) {
    const rng = createRng(shift.seed * 100_003 + firstIndex + k);
    const angle = ((shift.rotation + shift.rotationJitter * (2 * rng.next() - 1)) * Math.PI) / 180;
    const cos = Math.cos(angle);
    const sin = Math.sin(angle);
    const source = pixels.subarray(k * size, (k + 1) * size);
    for (let y = 0; y < side; y++) {
      for (let x = 0; x < side; x++) {
        // The pixel this output pixel shows: rotate back around the centre, then sample bilinearly.
        const dx = x - center;
        const dy = y - center;
        const sx = cos * dx + sin * dy + center;
        const sy = -sin * dx + cos * dy + center;
        const value = bilinear(source, side, sx, sy) * shift.contrast + shift.brightness + shift.noise * randomNormal(rng);
        out[k * size + y * side + x] = Math.max(0, Math.min(255, Math.round(value)));
      }
    }
  }
  return out;
}

function bilinear(image: Uint8Array, side: number, x: number, y: number): number {
  const x0 = Math.floor(x);
  const y0 = Math.floor(y);
  const fx = x - x0;
  const fy = y - y0;
  const at = (xx: number, yy: number): number => (xx < 0 || yy < 0 || xx >= side || yy >= side ? 0 : (image[yy * side + xx] as number));
  return (at(x0, y0) * (1 - fx) + at(x0 + 1, y0) * fx) * (1 - fy) + (at(x0, y0 + 1) * (1 - fx) + at(x0 + 1, y0 + 1) * fx) * fy;
}
