/**
 * The samples lifelong learning works on: a feature tensor (what the models see), optional integer labels, and per
 * sample the metadata the original kept as DataFrame columns (`attributes`, e.g. `{site: "dock"}`) and where the
 * sample came from (`ids`, e.g. an image path), which names it in unseen-sample files and de-duplicates samples the
 * knowledge base already holds. The original worked on pandas DataFrames; this keeps only what its algorithms used.
 */
import type { Tensor } from '../../core/estimator.js';
import { assertDataSourceType, type DataSourceType } from '../../datasources/base.js';

/** Metadata of one sample: column name to value. */
export type Attributes = Readonly<Record<string, string>>;

export interface SampleSetInit {
  dataType: DataSourceType;
  /** [n, ...featureShape] */
  features: Tensor;
  /** One class index per sample; absent for unlabelled (test) data. */
  labels?: Int32Array;
  /** One record per sample (default: empty records). */
  attributes?: readonly Attributes[];
  /** One identifier per sample (default: `#<row>`). */
  ids?: readonly string[];
}

export class SampleSet {
  readonly dataType: DataSourceType;
  readonly features: Tensor;
  readonly labels: Int32Array | undefined;
  readonly attributes: readonly Attributes[];
  readonly ids: readonly string[];
  /** Values per sample (the product of the feature shape). */
  readonly featureSize: number;

  constructor(init: SampleSetInit) {
    assertDataSourceType(init.dataType, 'SampleSet dataType');
    const { features } = init;
    if (!(features.data instanceof Float32Array)) throw new TypeError('SampleSet features.data must be a Float32Array');
    const [n, ...featureShape] = features.shape;
    if (n === undefined || !Number.isInteger(n) || n < 0 || featureShape.length === 0) {
      throw new Error(`SampleSet features.shape must be [n, ...featureShape]; got [${features.shape.join(', ')}]`);
    }
    this.featureSize = featureShape.reduce((a, b) => a * b, 1);
    if (features.data.length !== n * this.featureSize) {
      throw new Error(`SampleSet features hold ${features.data.length} values; shape [${features.shape.join(', ')}] needs ${n * this.featureSize}`);
    }
    if (init.labels !== undefined && init.labels.length !== n) throw new Error(`SampleSet has ${n} samples but ${init.labels.length} labels`);
    if (init.attributes !== undefined && init.attributes.length !== n) throw new Error(`SampleSet has ${n} samples but ${init.attributes.length} attribute records`);
    if (init.ids !== undefined && init.ids.length !== n) throw new Error(`SampleSet has ${n} samples but ${init.ids.length} ids`);
    this.dataType = init.dataType;
    this.features = features;
    this.labels = init.labels;
    this.attributes = init.attributes ?? Array.from({ length: n }, () => ({}));
    this.ids = init.ids ?? Array.from({ length: n }, (_, i) => `#${i}`);
  }

  get size(): number {
    return this.features.shape[0] as number;
  }

  /** The original's `num_examples()`. */
  numExamples(): number {
    return this.size;
  }

  get featureShape(): readonly number[] {
    return this.features.shape.slice(1);
  }

  get isTestData(): boolean {
    return this.dataType === 'test';
  }

  /** A view of sample i's features (no copy). */
  row(i: number): Float32Array {
    return this.features.data.subarray(i * this.featureSize, (i + 1) * this.featureSize);
  }

  /** Labels, or an error naming what needed them. */
  requireLabels(purpose: string): Int32Array {
    if (this.labels === undefined) throw new Error(`${purpose} needs labelled samples; this ${this.dataType} set has no labels`);
    return this.labels;
  }

  /** The samples at `indices`, in that order (features copied). */
  subset(indices: ArrayLike<number>, dataType: DataSourceType = this.dataType): SampleSet {
    const d = this.featureSize;
    const data = new Float32Array(indices.length * d);
    const attributes: Attributes[] = [];
    const ids: string[] = [];
    const labels = this.labels === undefined ? undefined : new Int32Array(indices.length);
    for (let k = 0; k < indices.length; k++) {
      const i = indices[k] as number;
      if (!Number.isInteger(i) || i < 0 || i >= this.size) throw new RangeError(`sample index ${i} is outside [0, ${this.size})`);
      data.set(this.row(i), k * d);
      attributes.push(this.attributes[i] as Attributes);
      ids.push(this.ids[i] as string);
      if (labels !== undefined) labels[k] = (this.labels as Int32Array)[i] as number;
    }
    return new SampleSet({ dataType, features: { data, shape: [indices.length, ...this.featureShape] }, ...(labels ? { labels } : {}), attributes, ids });
  }

  /** Samples of several sets one after the other. All must have the same feature shape and all or none labels. */
  static concat(sets: readonly SampleSet[], dataType?: DataSourceType): SampleSet {
    const first = sets[0];
    if (first === undefined) throw new Error('SampleSet.concat needs at least one set');
    const shape = first.featureShape.join('x');
    const labelled = first.labels !== undefined;
    for (const set of sets) {
      if (set.featureShape.join('x') !== shape) throw new Error(`SampleSet.concat: feature shape [${set.featureShape.join(', ')}] differs from [${first.featureShape.join(', ')}]`);
      if ((set.labels !== undefined) !== labelled) throw new Error('SampleSet.concat: some sets have labels and some do not');
    }
    const n = sets.reduce((sum, s) => sum + s.size, 0);
    const data = new Float32Array(n * first.featureSize);
    const labels = labelled ? new Int32Array(n) : undefined;
    let offset = 0;
    for (const set of sets) {
      data.set(set.features.data, offset * first.featureSize);
      if (labels && set.labels) labels.set(set.labels, offset);
      offset += set.size;
    }
    return new SampleSet({
      dataType: dataType ?? first.dataType,
      features: { data, shape: [n, ...first.featureShape] },
      ...(labels ? { labels } : {}),
      attributes: sets.flatMap((s) => s.attributes),
      ids: sets.flatMap((s) => s.ids),
    });
  }

  /** An empty set with this set's feature shape. */
  empty(): SampleSet {
    return this.subset([]);
  }
}
