/**
 * An item's ports object with one port, `{ [port]: value }`, made by a function written for that port name. The
 * scheduler makes one for every item at every edge; V8 builds a literal with a computed key in a function shared by
 * all edges through a slow generic path (several times the cost of a literal with the name written out), so each
 * port name gets its own small function with the name as a plain key, made once and kept.
 */
/**
 * A port name as an object literal's key: a JSON string literal (nothing in a name is code), computed for
 * `__proto__`, which as a plain key would set the object's prototype rather than make a port.
 */
export function literalKey(port: string): string {
  return port === '__proto__' ? `[${JSON.stringify(port)}]` : JSON.stringify(port);
}

const makers = new Map<string, (...values: unknown[]) => Record<string, unknown>>();

/** The function `(v0, v1, ...) => ({ [ports[0]]: v0, [ports[1]]: v1, ... })` written for these names, made once. */
function maker(ports: readonly string[]): (...values: unknown[]) => Record<string, unknown> {
  if (new Set(ports).size !== ports.length) throw new Error(`two ports of one name: ${ports.join(', ')}`);
  const key = JSON.stringify(ports);
  let make = makers.get(key);
  if (make === undefined) {
    const values = ports.map((_, k) => `v${k}`);
    make = new Function(...values, `return { ${ports.map((port, k) => `${literalKey(port)}: v${k}`).join(', ')} };`) as (...values: unknown[]) => Record<string, unknown>;
    makers.set(key, make);
  }
  return make;
}

export function portObject(port: string): (value: unknown) => Record<string, unknown> {
  return maker([port]);
}

/** An item's ports object with two ports, `{ [first]: a, [second]: b }`, by a function written for the two names. */
export function portsObject2(first: string, second: string): (a: unknown, b: unknown) => Record<string, unknown> {
  return maker([first, second]);
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
