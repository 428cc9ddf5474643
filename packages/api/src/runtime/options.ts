/**
 * An option that must be a whole number above zero, or its default when absent. `owner` names the component in the
 * error (`NodeHub option pingIntervalMs must be a positive integer, got 0`).
 */
export function positiveInteger(owner: string, name: string, value: number | undefined, fallback: number): number {
  const out = value ?? fallback;
  if (!Number.isInteger(out) || out <= 0) throw new RangeError(`${owner} option ${name} must be a positive integer, got ${String(value)}`);
  return out;
}
