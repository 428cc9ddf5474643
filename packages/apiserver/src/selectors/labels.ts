/** Label selectors in the Kubernetes text form: `a=b,c!=d,e in (f,g),h notin (i),j,!k`. */
import { errors } from '../http/errors.js';

export type LabelRequirement =
  | { op: 'eq' | 'ne'; key: string; value: string }
  | { op: 'in' | 'notin'; key: string; values: string[] }
  | { op: 'exists' | 'notexists'; key: string };

export type LabelPredicate = (labels: Readonly<Record<string, string>> | undefined) => boolean;

/** Splits on commas that are not inside parentheses. */
function splitTerms(text: string): string[] {
  const terms: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      terms.push(text.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(text.slice(start));
  return terms.map((t) => t.trim()).filter((t) => t !== '');
}

const KEY = '[A-Za-z0-9]([-A-Za-z0-9_./]*[A-Za-z0-9])?';
const VALUE = '([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?';
const SET_RE = new RegExp(`^(${KEY})\\s+(in|notin)\\s*\\(([^)]*)\\)$`);
const EQ_RE = new RegExp(`^(${KEY})\\s*(==|=|!=)\\s*(${VALUE})$`);
const EXISTS_RE = new RegExp(`^(!?)\\s*(${KEY})$`);

export function parseLabelSelector(text: string): LabelRequirement[] {
  const out: LabelRequirement[] = [];
  for (const term of splitTerms(text)) {
    let m = SET_RE.exec(term);
    if (m) {
      const values = m[4]!.split(',').map((v) => v.trim()).filter((v) => v !== '');
      out.push({ op: m[3] as 'in' | 'notin', key: m[1]!, values });
      continue;
    }
    m = EQ_RE.exec(term);
    if (m) {
      out.push({ op: m[3] === '!=' ? 'ne' : 'eq', key: m[1]!, value: m[4] ?? '' });
      continue;
    }
    m = EXISTS_RE.exec(term);
    if (m) {
      out.push({ op: m[1] === '!' ? 'notexists' : 'exists', key: m[2]! });
      continue;
    }
    throw errors.badRequest(`unable to parse requirement: invalid label selector term "${term}"`);
  }
  return out;
}

export function labelPredicate(text: string | undefined): LabelPredicate | undefined {
  if (!text || text.trim() === '') return undefined;
  const reqs = parseLabelSelector(text);
  return (labels) => reqs.every((r) => matches(r, labels ?? {}));
}

function matches(r: LabelRequirement, labels: Readonly<Record<string, string>>): boolean {
  const has = Object.prototype.hasOwnProperty.call(labels, r.key);
  const value = labels[r.key];
  switch (r.op) {
    case 'eq':
      return has && value === r.value;
    case 'ne':
      return !has || value !== r.value;
    case 'in':
      return has && r.values.includes(value!);
    case 'notin':
      return !has || !r.values.includes(value!);
    case 'exists':
      return has;
    case 'notexists':
      return !has;
  }
}
