/**
 * Reading back what was applied: the server may add fields (defaults, status, metadata), so a read-back is checked
 * field by field for what the YAML gave, not for equality.
 */

/** True when every field of `expected` is in `actual` with the same value (the server may add fields). */
export function isSubset(expected: unknown, actual: unknown, path = ''): string | undefined {
  if (expected === null || typeof expected !== 'object') {
    return expected === actual || (typeof expected === 'number' && Number(actual) === expected) ? undefined : `${path || '<root>'}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`;
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual) || actual.length !== expected.length) return `${path}: expected a list of ${expected.length}, got ${JSON.stringify(actual)}`;
    for (let i = 0; i < expected.length; i++) {
      const why = isSubset(expected[i], actual[i], `${path}[${i}]`);
      if (why) return why;
    }
    return undefined;
  }
  if (actual === null || typeof actual !== 'object') return `${path}: expected an object, got ${JSON.stringify(actual)}`;
  for (const [k, v] of Object.entries(expected)) {
    if (v === null) continue;
    const why = isSubset(v, (actual as Record<string, unknown>)[k], path ? `${path}.${k}` : k);
    if (why) return why;
  }
  return undefined;
}
