import type { WeightTensor } from '../../core/estimator.js';

export interface RoundTripError {
  /** Largest |original − decoded| over all values. */
  readonly maxAbs: number;
  /** Root mean square of the differences over all values. */
  readonly rms: number;
  /** Values compared. */
  readonly count: number;
}

/** How far decoded weights are from the originals (the tensors must match in number and size). */
export function roundTripError(original: readonly WeightTensor[], decoded: readonly WeightTensor[]): RoundTripError {
  if (original.length !== decoded.length) throw new RangeError(`roundTripError: ${original.length} original tensors but ${decoded.length} decoded`);
  let maxAbs = 0;
  let squares = 0;
  let count = 0;
  original.forEach((tensor, index) => {
    const other = decoded[index]!.data;
    if (other.length !== tensor.data.length) {
      throw new RangeError(`roundTripError: tensor ${index} ("${tensor.name}") has ${tensor.data.length} values but ${other.length} decoded`);
    }
    for (let position = 0; position < other.length; position++) {
      const difference = Math.abs(tensor.data[position]! - other[position]!);
      if (difference > maxAbs) maxAbs = difference;
      squares += difference * difference;
    }
    count += other.length;
  });
  return { maxAbs, rms: count === 0 ? 0 : Math.sqrt(squares / count), count };
}
