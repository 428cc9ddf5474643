/**
 * The subset of Kubernetes JSONPath that printer columns use: `.a.b`, escaped dots (`sedna\.io/role`),
 * `['key']`, `[0]`, slices (`[-1:]`), wildcards (`[*]`) and filters (`[?(@.type=="Ready")]`).
 * Returns every match, in order.
 */
type Step =
  | { kind: 'field'; name: string }
  | { kind: 'index'; index: number }
  | { kind: 'slice'; start?: number; end?: number }
  | { kind: 'wildcard' }
  | { kind: 'filter'; path: string[]; op: '==' | '!='; value: string };

const cache = new Map<string, Step[]>();

export function compileJsonPath(expression: string): Step[] {
  const cached = cache.get(expression);
  if (cached) return cached;
  let text = expression.trim();
  if (text.startsWith('{') && text.endsWith('}')) text = text.slice(1, -1);
  if (text.startsWith('$')) text = text.slice(1);
  const steps: Step[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '.') {
      i++;
      let name = '';
      while (i < text.length && text[i] !== '.' && text[i] !== '[') {
        if (text[i] === '\\' && i + 1 < text.length) {
          name += text[i + 1];
          i += 2;
        } else name += text[i++];
      }
      if (name === '*') steps.push({ kind: 'wildcard' });
      else if (name !== '') steps.push({ kind: 'field', name });
    } else if (c === '[') {
      const close = findClose(text, i);
      const inner = text.slice(i + 1, close).trim();
      i = close + 1;
      steps.push(parseBracket(inner, expression));
    } else {
      throw new Error(`invalid JSONPath ${JSON.stringify(expression)} at ${i}`);
    }
  }
  cache.set(expression, steps);
  return steps;
}

function findClose(text: string, open: number): number {
  let depth = 0;
  let quote: string | undefined;
  for (let i = open; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '[') depth++;
    else if (c === ']' && --depth === 0) return i;
  }
  throw new Error(`unclosed [ in JSONPath ${JSON.stringify(text)}`);
}

function parseBracket(inner: string, expression: string): Step {
  if (inner === '*') return { kind: 'wildcard' };
  const quoted = /^['"](.*)['"]$/.exec(inner);
  if (quoted) return { kind: 'field', name: quoted[1]! };
  if (/^-?\d+$/.test(inner)) return { kind: 'index', index: Number(inner) };
  const slice = /^(-?\d+)?:(-?\d+)?$/.exec(inner);
  if (slice) return { kind: 'slice', ...(slice[1] !== undefined ? { start: Number(slice[1]) } : {}), ...(slice[2] !== undefined ? { end: Number(slice[2]) } : {}) };
  const filter = /^\?\(@((?:\.[A-Za-z0-9_\\-]+)+)\s*(==|!=)\s*(?:"([^"]*)"|'([^']*)'|(\S+))\)$/.exec(inner);
  if (filter) {
    return { kind: 'filter', path: filter[1]!.slice(1).split('.'), op: filter[2] as '==' | '!=', value: filter[3] ?? filter[4] ?? filter[5] ?? '' };
  }
  throw new Error(`unsupported JSONPath bracket [${inner}] in ${JSON.stringify(expression)}`);
}

export function evaluateJsonPath(expression: string, root: unknown): unknown[] {
  let current: unknown[] = [root];
  for (const step of compileJsonPath(expression)) {
    const next: unknown[] = [];
    for (const value of current) {
      if (value === null || value === undefined) continue;
      switch (step.kind) {
        case 'field':
          if (typeof value === 'object' && !Array.isArray(value) && step.name in value) next.push((value as Record<string, unknown>)[step.name]);
          break;
        case 'index':
          if (Array.isArray(value)) {
            const item = value[step.index < 0 ? value.length + step.index : step.index];
            if (item !== undefined) next.push(item);
          }
          break;
        case 'slice':
          if (Array.isArray(value)) next.push(...value.slice(step.start, step.end));
          break;
        case 'wildcard':
          if (Array.isArray(value)) next.push(...value);
          else if (typeof value === 'object') next.push(...Object.values(value));
          break;
        case 'filter':
          if (Array.isArray(value)) {
            for (const item of value) {
              let field: unknown = item;
              for (const part of step.path) field = field && typeof field === 'object' ? (field as Record<string, unknown>)[part] : undefined;
              const equal = field !== undefined && String(field) === step.value;
              if (equal === (step.op === '==')) next.push(item);
            }
          }
          break;
      }
    }
    current = next;
  }
  return current;
}
