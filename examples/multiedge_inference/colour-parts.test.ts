/** The real video's re-identification descriptor: colour histograms per body part. */
import { describe, expect, it } from 'vitest';
import { colourPartsFeature, COLOUR_PARTS_DIM, isColourPartsModel } from './colour-parts.js';

/** A person-like crop: a head, a torso and legs of the given colours on a grey background at the sides. */
function person(width: number, height: number, torso: [number, number, number], legs: [number, number, number], light = 1): { width: number; height: number; rgb: Uint8Array } {
  const rgb = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const side = x < width * 0.15 || x >= width * 0.85;
      const c = side ? [120, 120, 120] : y < height * 0.2 ? [200, 160, 130] : y < height * 0.55 ? torso : legs;
      rgb.set(c.map((v) => Math.min(255, Math.round(v * light))), (y * width + x) * 3);
    }
  return { width, height, rgb };
}

const cos = (a: Float32Array, b: Float32Array) => a.reduce((s, v, i) => s + v * b[i]!, 0);

describe('the colour-parts descriptor', () => {
  it('is L2-normalised and of its stated length', () => {
    const f = colourPartsFeature(person(20, 48, [200, 30, 30], [30, 30, 160]));
    expect(f).toHaveLength(COLOUR_PARTS_DIM);
    expect(Math.hypot(...f)).toBeCloseTo(1, 5);
  });

  it('matches the same clothes at another size and a little other light better than swapped clothes', () => {
    const a = colourPartsFeature(person(20, 48, [200, 30, 30], [30, 30, 160]));
    const same = colourPartsFeature(person(30, 70, [200, 30, 30], [30, 30, 160], 0.9));
    // The same two colours, worn the other way round: one histogram of the whole box could not tell them apart.
    const swapped = colourPartsFeature(person(20, 48, [30, 30, 160], [200, 30, 30]));
    expect(cos(a, same)).toBeGreaterThan(0.9);
    expect(cos(a, swapped)).toBeLessThan(cos(a, same) - 0.3);
  });

  it('is chosen by a JSON model naming it', () => {
    expect(isColourPartsModel({ feature: 'colour-parts' })).toBe(true);
    expect(isColourPartsModel({ feature: 'other' })).toBe(false);
    expect(isColourPartsModel(null)).toBe(false);
  });
});
