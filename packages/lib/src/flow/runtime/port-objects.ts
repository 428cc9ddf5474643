/**
 * An item's ports object with one port, `{ [port]: value }`, made by a function written for that port name. The
 * scheduler makes one for every item at every edge; V8 builds a literal with a computed key in a function shared by
 * all edges through a slow generic path (several times the cost of a literal with the name written out), so each
 * port name gets its own small function with the name as a plain key, made once and kept.
 */
const makers = new Map<string, (value: unknown) => Record<string, unknown>>();

/**
 * A port name as an object literal's key: a JSON string literal (nothing in a name is code), computed for
 * `__proto__`, which as a plain key would set the object's prototype rather than make a port.
 */
function literalKey(port: string): string {
  return port === '__proto__' ? `[${JSON.stringify(port)}]` : JSON.stringify(port);
}

export function portObject(port: string): (value: unknown) => Record<string, unknown> {
  let make = makers.get(port);
  if (make === undefined) {
    // The name as a JSON string literal: any port name is a valid key, nothing in it is code.
    make = new Function('value', `return { ${literalKey(port)}: value };`) as (value: unknown) => Record<string, unknown>;
    makers.set(port, make);
  }
  return make;
}

const pairMakers = new Map<string, (a: unknown, b: unknown) => Record<string, unknown>>();

/** An item's ports object with two ports, `{ [first]: a, [second]: b }`, by a function written for the two names. */
export function portsObject2(first: string, second: string): (a: unknown, b: unknown) => Record<string, unknown> {
  if (first === second) throw new Error(`two ports of one name: ${first}`);
  const key = JSON.stringify([first, second]);
  let make = pairMakers.get(key);
  if (make === undefined) {
    make = new Function('a', 'b', `return { ${literalKey(first)}: a, ${literalKey(second)}: b };`) as (a: unknown, b: unknown) => Record<string, unknown>;
    pairMakers.set(key, make);
  }
  return make;
}

/** A read of one port of an item's ports object. */
export type PortRead = (ports: Readonly<Record<string, unknown>>) => unknown;

const getters = new Map<string, PortRead>();

/**
 * `ports[port]` by a function written for that port name: the scheduler reads one port of every item at every
 * edge, and a computed read in a function shared by all edges goes through V8's generic (megamorphic) path.
 */
export function portGetter(port: string): PortRead {
  let get = getters.get(port);
  if (get === undefined) {
    get = new Function('ports', `return ports[${JSON.stringify(port)}];`) as PortRead;
    getters.set(port, get);
  }
  return get;
}
