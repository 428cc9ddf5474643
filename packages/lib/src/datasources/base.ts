/**
 * The data source every feature consumes: samples `x`, labels `y` and the split they belong to
 * (the original `BaseDataSource`). Test data (inference input) carries no labels.
 */

export const DATA_SOURCE_TYPES = ['train', 'eval', 'test'] as const;
export type DataSourceType = (typeof DATA_SOURCE_TYPES)[number];

/** Throws a clear error unless `value` is one of train, eval, test. */
export function assertDataSourceType(value: unknown, field = 'dataType'): asserts value is DataSourceType {
  if (typeof value !== 'string' || !(DATA_SOURCE_TYPES as readonly string[]).includes(value)) {
    throw new Error(`${field} must be one of ${DATA_SOURCE_TYPES.join(', ')}; got ${JSON.stringify(value)}`);
  }
}

export class BaseDataSource<X, Y> {
  readonly dataType: DataSourceType;
  readonly x: readonly X[];
  /** One label per sample, or empty for test data and for unlabelled sources. */
  readonly y: readonly Y[];

  constructor(dataType: DataSourceType, x: readonly X[], y: readonly Y[]) {
    assertDataSourceType(dataType);
    if (y.length !== 0 && y.length !== x.length) {
      throw new Error(`data source has ${x.length} samples but ${y.length} labels; they must match`);
    }
    this.dataType = dataType;
    this.x = x;
    this.y = y;
  }

  /** Whether this is inference input (the original `is_test_data`). */
  get isTestData(): boolean {
    return this.dataType === 'test';
  }

  numExamples(): number {
    return this.x.length;
  }

  get length(): number {
    return this.x.length;
  }
}
