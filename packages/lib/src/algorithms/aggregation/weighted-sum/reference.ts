/**
 * The plain-JS weighted sum: the reference the SIMD path is tested against, and the fallback where
 * WebAssembly SIMD is not available. Clear rather than fast: one pass per client, float64 accumulator.
 */

export interface WeightedSumOutput {
  /** One output per layer, fresh Float32Arrays owned by the caller (the SIMD path puts them on SharedArrayBuffers). */
  readonly layers: Float32Array[];
  /** True when some output is NaN or ±Infinity, i.e. some input with a coefficient was not finite. */
  readonly nonFinite: boolean;
}

/** `out[L][j] = Σ_c coefficients[c] · inputs[c][L][j]`. Inputs are indexed [client][layer]. */
export function weightedSumReference(inputs: readonly (readonly Float32Array[])[], coefficients: readonly number[]): WeightedSumOutput {
  const layerCount = inputs[0]?.length ?? 0;
  const layers: Float32Array[] = [];
  let nonFinite = false;
  for (let layer = 0; layer < layerCount; layer++) {
    const length = inputs[0]![layer]!.length;
    const sum = new Float64Array(length);
    for (let client = 0; client < inputs.length; client++) {
      const data = inputs[client]![layer]!;
      const coefficient = coefficients[client]!;
      for (let index = 0; index < length; index++) sum[index]! += data[index]! * coefficient;
    }
    const out = Float32Array.from(sum);
    for (let index = 0; index < length && !nonFinite; index++) if (!Number.isFinite(out[index]!)) nonFinite = true;
    layers.push(out);
  }
  return { layers, nonFinite };
}
