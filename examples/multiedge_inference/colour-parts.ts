/**
 * A hand-made re-identification descriptor for real pedestrians, the feature extractor's model for the real video
 * (`reid-colour-parts.json`, `{"feature": "colour-parts"}`): colour histograms per body part. The box is cut into
 * three horizontal stripes (head, torso, legs: a person's clothes differ by part, and a single histogram of the
 * whole box mixes them); each stripe's inner columns only (the box's sides are mostly background); per pixel its
 * chromaticity (r, g over r+g+b: less bound to the light than raw RGB) and its brightness, binned jointly. Each
 * part's histogram is normalised to sum 1 and square-rooted (the Hellinger kernel: cosine of these vectors is the
 * Bhattacharyya coefficient, which a few dominant bins do not swamp); the parts are concatenated and L2-normalised.
 * The Fashion-MNIST MLP (./embedder.ts) sees grey 28x28 items: it was not made for colour pedestrians.
 */
import type { Crop } from '@sedna/lib/multi_edge_inference';

/** Head, torso and legs, as shares of the box's height. */
const PARTS: readonly [number, number][] = [
  [0, 0.2],
  [0.2, 0.55],
  [0.55, 1],
];
/** Share of the box's width left out on each side. */
const SIDE_MARGIN = 0.2;
/** Bins per chromaticity axis, and brightness bins. */
const CHROMA_BINS = 6;
const BRIGHTNESS_BINS = 4;
const PART_BINS = CHROMA_BINS * CHROMA_BINS * BRIGHTNESS_BINS;

export const COLOUR_PARTS_DIM = PARTS.length * PART_BINS;
export const COLOUR_PARTS_FILE = 'reid-colour-parts.json';
/** What `reid-colour-parts.json` holds: the feature extractor reads it as its model. */
export const COLOUR_PARTS_MODEL = { feature: 'colour-parts' } as const;

/** The descriptor of one crop (RGB), L2-normalised. */
export function colourPartsFeature(crop: Crop): Float32Array {
  const { width: w, height: h, rgb } = crop;
  const out = new Float32Array(COLOUR_PARTS_DIM);
  const x1 = Math.floor(w * SIDE_MARGIN);
  const x2 = Math.max(x1 + 1, w - x1);
  PARTS.forEach(([top, bottom], part) => {
    const y1 = Math.floor(h * top);
    const y2 = Math.max(y1 + 1, Math.floor(h * bottom));
    const base = part * PART_BINS;
    let count = 0;
    for (let y = y1; y < Math.min(h, y2); y++)
      for (let x = x1; x < Math.min(w, x2); x++) {
        const p = (y * w + x) * 3;
        const r = rgb[p]!;
        const g = rgb[p + 1]!;
        const b = rgb[p + 2]!;
        const sum = r + g + b + 1e-3;
        // r/sum and g/sum lie in [0, 1] and rarely above 2/3: the bins cover [0, 2/3], the rest in the last.
        const ri = Math.min(CHROMA_BINS - 1, Math.floor((r / sum) * CHROMA_BINS * 1.5));
        const gi = Math.min(CHROMA_BINS - 1, Math.floor((g / sum) * CHROMA_BINS * 1.5));
        const bi = Math.min(BRIGHTNESS_BINS - 1, Math.floor((sum / 765) * BRIGHTNESS_BINS));
        out[base + (ri * CHROMA_BINS + gi) * BRIGHTNESS_BINS + bi]! += 1;
        count++;
      }
    for (let i = base; i < base + PART_BINS; i++) out[i] = Math.sqrt(out[i]! / Math.max(1, count));
  });
  let norm = 0;
  for (const v of out) norm += v * v;
  norm = Math.sqrt(norm) || 1;
  for (let i = 0; i < out.length; i++) out[i] = out[i]! / norm;
  return out;
}

/** Whether a model file names this descriptor (a JSON file with `"feature": "colour-parts"`). */
export function isColourPartsModel(content: unknown): boolean {
  return typeof content === 'object' && content !== null && (content as { feature?: unknown }).feature === COLOUR_PARTS_MODEL.feature;
}
