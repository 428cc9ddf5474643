/**
 * The Graphviz DOT subset ModelBox graphs use (`graphconf`): `digraph name { ... }` with node statements
 * `name[key=value, ...]`, edge statements `a:out -> b:in` (chains `a -> b -> c` too), default attribute statements
 * (`node [shape=Mrecord]`, kept but not applied: they are drawing hints), graph attributes `key=value`, and
 * comments (`//`, `/* *\/`, `#` lines). Subgraphs and undirected graphs are refused with their line.
 */
import { FlowGraphError } from '../types.js';

export interface DotNode {
  readonly name: string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly line: number;
}

export interface DotEndpoint {
  readonly node: string;
  /** Undefined for `a -> output1` (an external port node). */
  readonly port: string | undefined;
}

export interface DotEdge {
  readonly from: DotEndpoint;
  readonly to: DotEndpoint;
  readonly attributes: Readonly<Record<string, string>>;
  readonly line: number;
}

export interface DotGraph {
  readonly name: string;
  readonly nodes: readonly DotNode[];
  readonly edges: readonly DotEdge[];
  readonly graphAttributes: Readonly<Record<string, string>>;
}

type TokenKind = 'id' | '{' | '}' | '[' | ']' | '=' | ';' | ',' | ':' | '->' | '--' | 'eof';
interface Token {
  readonly kind: TokenKind;
  readonly text: string;
  readonly line: number;
}

function tokenize(source: string, where: string): Token[] {
  const tokens: Token[] = [];
  let line = 1;
  let i = 0;
  const fail = (message: string): never => {
    throw new FlowGraphError(`${where}: line ${line}: ${message}`);
  };
  while (i < source.length) {
    const c = source[i] as string;
    if (c === '\n') {
      line++;
      i++;
    } else if (/\s/.test(c)) {
      i++;
    } else if (c === '/' && source[i + 1] === '/') {
      while (i < source.length && source[i] !== '\n') i++;
    } else if (c === '#' && source.slice(source.lastIndexOf('\n', i - 1) + 1, i).trim() === '') {
      while (i < source.length && source[i] !== '\n') i++;
    } else if (c === '/' && source[i + 1] === '*') {
      const end = source.indexOf('*/', i + 2);
      if (end < 0) fail('a comment /* is never closed');
      for (let k = i; k < end; k++) if (source[k] === '\n') line++;
      i = end + 2;
    } else if (c === '"') {
      let value = '';
      const startLine = line;
      i++;
      while (i < source.length && source[i] !== '"') {
        if (source[i] === '\\' && source[i + 1] === '"') {
          value += '"';
          i += 2;
        } else {
          if (source[i] === '\n') line++;
          value += source[i];
          i++;
        }
      }
      if (i >= source.length) throw new FlowGraphError(`${where}: line ${startLine}: a quoted string is never closed`);
      i++;
      tokens.push({ kind: 'id', text: value, line: startLine });
    } else if (c === '-' && source[i + 1] === '>') {
      tokens.push({ kind: '->', text: '->', line });
      i += 2;
    } else if (c === '-' && source[i + 1] === '-') {
      tokens.push({ kind: '--', text: '--', line });
      i += 2;
    } else if ('{}[]=;,:'.includes(c)) {
      tokens.push({ kind: c as TokenKind, text: c, line });
      i++;
    } else if (/[\w.\-+/@$]/.test(c)) {
      let value = '';
      while (i < source.length && /[\w.\-+/@$]/.test(source[i] as string) && !(source[i] === '-' && (source[i + 1] === '>' || source[i + 1] === '-'))) value += source[i++];
      tokens.push({ kind: 'id', text: value, line });
    } else {
      fail(`unexpected character ${JSON.stringify(c)}`);
    }
  }
  tokens.push({ kind: 'eof', text: '', line });
  return tokens;
}

/** Parses a `digraph { ... }`; errors name the line. */
export function parseDot(source: string, where = 'graphconf'): DotGraph {
  const tokens = tokenize(source, where);
  let pos = 0;
  const peek = (offset = 0): Token => tokens[Math.min(pos + offset, tokens.length - 1)] as Token;
  const next = (): Token => tokens[Math.min(pos++, tokens.length - 1)] as Token;
  const fail = (token: Token, message: string): never => {
    throw new FlowGraphError(`${where}: line ${token.line}: ${message}`);
  };
  const expect = (kind: TokenKind, what: string): Token => {
    const token = next();
    if (token.kind !== kind) fail(token, `expected ${what}, found ${token.kind === 'eof' ? 'the end' : JSON.stringify(token.text)}`);
    return token;
  };

  let head = next();
  if (head.kind === 'id' && head.text.toLowerCase() === 'strict') head = next();
  if (head.kind !== 'id' || head.text.toLowerCase() !== 'digraph') fail(head, head.kind === 'id' && head.text.toLowerCase() === 'graph' ? 'an undirected graph: use digraph (units pass data one way)' : 'expected "digraph"');
  const name = peek().kind === 'id' ? next().text : '';
  expect('{', '"{"');

  const nodes = new Map<string, DotNode>();
  const edges: DotEdge[] = [];
  const graphAttributes: Record<string, string> = {};

  const attributeList = (): Record<string, string> => {
    const attributes: Record<string, string> = {};
    while (peek().kind === '[') {
      next();
      while (peek().kind !== ']') {
        const key = expect('id', 'an attribute name');
        let value = 'true';
        if (peek().kind === '=') {
          next();
          value = expect('id', `a value for ${key.text}`).text;
        }
        if (key.text in attributes) fail(key, `attribute ${key.text} is given twice`);
        attributes[key.text] = value;
        if (peek().kind === ',' || peek().kind === ';') next();
        else if (peek().kind !== ']') fail(peek(), `expected "," or "]" after ${key.text}`);
      }
      next();
    }
    return attributes;
  };
  const endpoint = (): DotEndpoint & { line: number } => {
    const id = expect('id', 'a node name');
    if (peek().kind === ':') {
      next();
      const port = expect('id', `a port name after ${id.text}:`).text;
      if (peek().kind === ':') {
        next();
        expect('id', 'a compass point');
      }
      return { node: id.text, port, line: id.line };
    }
    return { node: id.text, port: undefined, line: id.line };
  };

  while (peek().kind !== '}') {
    const token = peek();
    if (token.kind === 'eof') fail(token, 'the graph is never closed with "}"');
    if (token.kind === ';') {
      next();
      continue;
    }
    if (token.kind !== 'id') fail(token, `unexpected ${JSON.stringify(token.text)}`);
    const keyword = token.text.toLowerCase();
    if (keyword === 'subgraph') fail(token, 'subgraphs are not supported: list the nodes in the graph itself');
    if ((keyword === 'node' || keyword === 'edge' || keyword === 'graph') && peek(1).kind === '[') {
      next();
      const attributes = attributeList();
      if (keyword === 'graph') Object.assign(graphAttributes, attributes);
      continue;
    }
    if (peek(1).kind === '=') {
      next();
      next();
      graphAttributes[token.text] = expect('id', `a value for ${token.text}`).text;
      continue;
    }
    const first = endpoint();
    if (peek().kind === '->' || peek().kind === '--') {
      const chain = [first];
      while (peek().kind === '->' || peek().kind === '--') {
        const arrow = next();
        if (arrow.kind === '--') fail(arrow, 'an undirected edge "--": use "->"');
        chain.push(endpoint());
      }
      const attributes = attributeList();
      for (let k = 0; k + 1 < chain.length; k++) {
        const from = chain[k] as DotEndpoint & { line: number };
        const to = chain[k + 1] as DotEndpoint & { line: number };
        edges.push({ from: { node: from.node, port: from.port }, to: { node: to.node, port: to.port }, attributes, line: from.line });
      }
    } else {
      if (first.port !== undefined) fail(token, `a node statement cannot name a port (${first.node}:${first.port}); edges do`);
      const attributes = attributeList();
      const existing = nodes.get(first.node);
      if (existing && Object.keys(existing.attributes).length > 0 && Object.keys(attributes).length > 0) fail(token, `node ${first.node} is declared twice (first on line ${existing.line})`);
      nodes.set(first.node, { name: first.node, attributes: { ...(existing?.attributes ?? {}), ...attributes }, line: existing?.line ?? first.line });
    }
  }
  next();
  if (peek().kind !== 'eof') fail(peek(), 'text after the end of the graph');
  return { name, nodes: [...nodes.values()], edges, graphAttributes };
}
