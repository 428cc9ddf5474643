import type { RandomSource } from '../../common/random.js';

/** `count` distinct items drawn uniformly (a partial Fisher-Yates shuffle), in draw order. */
export function sampleWithoutReplacement<T>(items: readonly T[], count: number, random: RandomSource): T[] {
  if (!Number.isInteger(count) || count < 0 || count > items.length) {
    throw new RangeError(`cannot sample ${count} of ${items.length} items`);
  }
  const pool = [...items];
  for (let index = 0; index < count; index++) {
    const pick = index + Math.floor(random() * (pool.length - index));
    [pool[index], pool[pick]] = [pool[pick]!, pool[index]!];
  }
  return pool.slice(0, count);
}

/** Client ids must be unique: a duplicate would let one worker count twice. */
export function checkUniqueIds(available: readonly string[], owner: string): void {
  const seen = new Set<string>();
  for (const id of available) {
    if (seen.has(id)) throw new Error(`${owner}: client "${id}" is listed twice among the available clients`);
    seen.add(id);
  }
}
