/** Sites' images as in-memory sample sets (the benchmark's form of what prepare.ts writes to files). */
import { createRng, SampleSet } from './sedna-lib.js';
import { IMAGE_SIDE, renderAtSite, siteNamed, type SiteCondition } from './sites.js';

/**
 * Renders `count` images starting at `first` of a Fashion-MNIST slice (raw pixels and labels) at `site`; features
 * are the pixels scaled to [0, 1], the site is the `site` attribute.
 */
export function siteSampleSet(source: { pixels: Uint8Array; y: Int32Array }, first: number, count: number, site: string, options: { seed: number; dataType: 'train' | 'eval' | 'test'; idPrefix: string; condition?: SiteCondition }): SampleSet {
  const size = IMAGE_SIDE * IMAGE_SIDE;
  if ((first + count) * size > source.pixels.length) throw new Error(`images ${first}..${first + count} are outside the slice of ${source.pixels.length / size}`);
  const rng = createRng(options.seed);
  // A site of the example by its name, or any other site given by its condition (the benchmark's harder shifts).
  const condition = options.condition ?? siteNamed(site).condition;
  const data = new Float32Array(count * size);
  for (let k = 0; k < count; k++) {
    const image = renderAtSite(source.pixels.subarray((first + k) * size, (first + k + 1) * size), condition, rng);
    for (let t = 0; t < size; t++) data[k * size + t] = (image[t] as number) / 255;
  }
  return new SampleSet({
    dataType: options.dataType,
    features: { data, shape: [count, size] },
    labels: source.y.slice(first, first + count),
    attributes: Array.from({ length: count }, () => ({ site })),
    ids: Array.from({ length: count }, (_, k) => `${options.idPrefix}/${site}/${first + k}`),
  });
}
