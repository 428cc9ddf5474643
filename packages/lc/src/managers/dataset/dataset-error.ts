/** Why a dataset cannot be counted; the GM turns these into Events, so the reason is a stable CamelCase word. */
export type DatasetErrorReason =
  | 'InvalidURL'
  | 'PathOutsideRoots'
  | 'NotImplemented'
  | 'UnsupportedFormat'
  | 'FileUnavailable'
  | 'WrongNode';

export class DatasetError extends Error {
  override readonly name = 'DatasetError';
  constructor(
    readonly reason: DatasetErrorReason,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
