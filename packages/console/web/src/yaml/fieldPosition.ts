/**
 * Where a field the server named (`spec.trainSpec.template.spec.containers[0].image`) is in the YAML text the user
 * wrote, so the error is shown at that line. Falls back to the deepest parent that exists (a missing field is
 * reported at its parent).
 */
import { isMap, isSeq, parseDocument, type Node } from 'yaml';

export function fieldPath(field: string): (string | number)[] {
  const out: (string | number)[] = [];
  for (const part of field.split('.')) {
    const m = /^([^[\]]*)((?:\[\d+\])*)$/.exec(part);
    if (!m) {
      out.push(part);
      continue;
    }
    if (m[1]) out.push(m[1]);
    for (const idx of m[2]!.matchAll(/\[(\d+)\]/g)) out.push(Number(idx[1]));
  }
  return out;
}

/** The [from, to) character range of the field's key and value (or its nearest parent's). */
export function fieldRange(text: string, field: string): [number, number] | undefined {
  const doc = parseDocument(text, { keepSourceTokens: true });
  let node: unknown = doc.contents;
  let range: [number, number] | undefined = (doc.contents as Node | null)?.range ? [doc.contents!.range![0], doc.contents!.range![1]] : undefined;
  for (const key of fieldPath(field)) {
    if (isMap(node)) {
      const pair = node.items.find((p) => (p.key as { value?: unknown } | null)?.value === key);
      if (!pair) break;
      const keyRange = (pair.key as Node).range;
      const valueRange = (pair.value as Node | null)?.range;
      if (keyRange) range = [keyRange[0], valueRange ? valueRange[1] : keyRange[1]];
      node = pair.value;
    } else if (isSeq(node) && typeof key === 'number') {
      const item = node.items[key] as Node | undefined;
      if (!item?.range) break;
      range = [item.range[0], item.range[1]];
      node = item;
    } else break;
  }
  return range;
}
