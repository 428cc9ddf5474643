/**
 * Reads the Prometheus text exposition format (what /metrics answers) back into samples, for the components that
 * act on metrics themselves (the embedded autoscaler) and for tests. It reads what prom-client writes and what the
 * format allows besides: comments, `# TYPE` lines, quoted label values with \\, \" and \n escapes, NaN and
 * +Inf/-Inf, an optional timestamp. A line it cannot read is an error naming the line, never a guessed value.
 */

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Exposition {
  samples: Sample[];
  /** Metric family name to its declared type (counter, gauge, histogram, summary, untyped). */
  types: Map<string, string>;
}

export class ExpositionError extends Error {
  override name = 'ExpositionError';
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;

export function parseExposition(text: string): Exposition {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (line === '') return;
    if (line.startsWith('#')) {
      const type = /^#\s*TYPE\s+(\S+)\s+(\S+)/.exec(line);
      if (type) types.set(type[1]!, type[2]!);
      return;
    }
    samples.push(parseSample(line, index + 1));
  });
  return { samples, types };
}

function parseSample(line: string, lineNo: number): Sample {
  const fail = (why: string): never => {
    throw new ExpositionError(`line ${lineNo}: ${why}: ${JSON.stringify(line.slice(0, 120))}`);
  };
  const name = NAME.exec(line)?.[0] ?? fail('no metric name');
  let at = name.length;
  const labels: Record<string, string> = {};
  if (line[at] === '{') {
    at++;
    for (;;) {
      while (line[at] === ' ' || line[at] === ',') at++;
      if (line[at] === '}') {
        at++;
        break;
      }
      const label = NAME.exec(line.slice(at))?.[0] ?? fail('a label without a name');
      at += label.length;
      if (line[at] !== '=' || line[at + 1] !== '"') fail(`label ${label} has no quoted value`);
      at += 2;
      let value = '';
      for (;;) {
        const c = line[at];
        if (c === undefined) fail(`the value of label ${label} is not closed`);
        at++;
        if (c === '"') break;
        if (c === '\\') {
          const next = line[at++];
          value += next === 'n' ? '\n' : (next ?? '');
        } else value += c;
      }
      labels[label] = value;
    }
  }
  const fields = line.slice(at).trim().split(/\s+/);
  const value = parseValue(fields[0] ?? '');
  if (value === undefined) fail('no number for the value');
  return { name, labels, value: value! };
}

function parseValue(text: string): number | undefined {
  if (text === 'NaN') return Number.NaN;
  if (text === '+Inf' || text === 'Inf') return Number.POSITIVE_INFINITY;
  if (text === '-Inf') return Number.NEGATIVE_INFINITY;
  if (text === '' || !/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) return undefined;
  return Number(text);
}

/** The sum over every series of `name` (all label values), or undefined when the exposition has none. */
export function sumOf(exposition: Exposition, name: string): number | undefined {
  const matching = exposition.samples.filter((s) => s.name === name);
  return matching.length === 0 ? undefined : matching.reduce((sum, s) => sum + s.value, 0);
}
