/**
 * Splitting one dataset among clients, for federated learning (each edge node holds its own part)
 * and lifelong learning (tasks that differ in their classes). Each partitioner returns one list of
 * sample indices per client; lists are disjoint and sorted. The same seed gives the same split.
 */
import { createRng, randomDirichlet, shuffleInPlace, type Rng } from './rng.js';

/** Sample indices per client. */
export type Partition = number[][];

export interface SeedOption {
  /** RNG seed (default 0). */
  seed?: number;
}

/** Every client gets a uniformly random share of about n / clients samples (sizes differ by at most 1). */
export function partitionIid(sampleCount: number, clients: number, options: SeedOption = {}): Partition {
  assertCount(sampleCount, 'sampleCount', 0);
  assertCount(clients, 'clients', 1);
  const rng = createRng(options.seed ?? 0);
  const order = shuffleInPlace(
    rng,
    Array.from({ length: sampleCount }, (_, i) => i),
  );
  const base = Math.floor(sampleCount / clients);
  const extra = sampleCount % clients;
  const parts: Partition = [];
  let start = 0;
  for (let c = 0; c < clients; c++) {
    const size = base + (c < extra ? 1 : 0);
    parts.push(order.slice(start, start + size).sort((a, b) => a - b));
    start += size;
  }
  return parts;
}

export interface ByClassOptions extends SeedOption {
  /** Classes each client holds. */
  classesPerClient: number;
}

/**
 * Each client holds exactly `classesPerClient` classes. Classes are dealt round-robin from a shuffled
 * order, so when clients × classesPerClient ≥ classes every class is used; a class held by several
 * clients is split evenly among them. With fewer slots than classes, the classes left over are unused.
 */
export function partitionByClass(labels: ArrayLike<number>, clients: number, options: ByClassOptions): Partition {
  assertCount(clients, 'clients', 1);
  const byClass = indicesByClass(labels);
  const classes = [...byClass.keys()].sort((a, b) => a - b);
  const k = options.classesPerClient;
  assertCount(k, 'classesPerClient', 1);
  if (k > classes.length) throw new Error(`classesPerClient ${k} exceeds the ${classes.length} classes in the labels`);
  const rng = createRng(options.seed ?? 0);
  const dealt = shuffleInPlace(rng, classes.slice());

  const owners = new Map<number, number[]>();
  for (let c = 0; c < clients; c++) {
    for (let j = 0; j < k; j++) {
      const cls = dealt[(c * k + j) % dealt.length] as number;
      const list = owners.get(cls) ?? [];
      list.push(c);
      owners.set(cls, list);
    }
  }
  const parts: Partition = Array.from({ length: clients }, () => []);
  for (const [cls, holders] of owners) {
    const indices = shuffleInPlace(rng, (byClass.get(cls) ?? []).slice());
    holders.forEach((client, h) => {
      const from = Math.floor((indices.length * h) / holders.length);
      const to = Math.floor((indices.length * (h + 1)) / holders.length);
      parts[client]?.push(...indices.slice(from, to));
    });
  }
  return parts.map((p) => p.sort((a, b) => a - b));
}

export interface DirichletOptions extends SeedOption {
  /** Concentration: small (0.1) gives clients few dominant classes, large (100) nearly iid shares. */
  alpha: number;
  /** Redraw until every client has at least this many samples (default 1). */
  minPerClient?: number;
  /** Redraws before giving up (default 100). */
  maxAttempts?: number;
}

/**
 * Non-iid split by a Dirichlet prior: for each class, the shares of the clients are drawn from
 * Dirichlet(alpha) and the class's samples are cut accordingly. Every sample goes to some client.
 */
export function partitionDirichlet(labels: ArrayLike<number>, clients: number, options: DirichletOptions): Partition {
  assertCount(clients, 'clients', 1);
  if (!(options.alpha > 0) || !Number.isFinite(options.alpha)) throw new Error(`alpha must be a positive number; got ${options.alpha}`);
  const minPerClient = options.minPerClient ?? 1;
  assertCount(minPerClient, 'minPerClient', 0);
  const maxAttempts = options.maxAttempts ?? 100;
  assertCount(maxAttempts, 'maxAttempts', 1);
  if (minPerClient * clients > labels.length) {
    throw new Error(`${labels.length} samples cannot give ${clients} clients at least ${minPerClient} each`);
  }
  const byClass = indicesByClass(labels);
  const classes = [...byClass.keys()].sort((a, b) => a - b);
  const rng = createRng(options.seed ?? 0);
  for (let attempt = 0; attempt < maxAttempts; attempt++) {
    const parts = drawDirichletSplit(rng, byClass, classes, clients, options.alpha);
    if (parts.every((p) => p.length >= minPerClient)) return parts.map((p) => p.sort((a, b) => a - b));
  }
  throw new Error(
    `no Dirichlet split with alpha ${options.alpha} gave all ${clients} clients at least ${minPerClient} samples in ${maxAttempts} attempts; ` +
      'raise alpha or lower minPerClient',
  );
}

function drawDirichletSplit(rng: Rng, byClass: Map<number, number[]>, classes: number[], clients: number, alpha: number): Partition {
  const parts: Partition = Array.from({ length: clients }, () => []);
  for (const cls of classes) {
    const indices = shuffleInPlace(rng, (byClass.get(cls) ?? []).slice());
    const shares = randomDirichlet(rng, alpha, clients);
    let cumulative = 0;
    let from = 0;
    shares.forEach((share, client) => {
      cumulative += share;
      const to = client === clients - 1 ? indices.length : Math.min(indices.length, Math.round(cumulative * indices.length));
      parts[client]?.push(...indices.slice(from, to));
      from = Math.max(from, to);
    });
  }
  return parts;
}

/** Per client, how many samples of each class it holds: counts[client][classId]. */
export function classHistogram(labels: ArrayLike<number>, partition: Partition): Map<number, number>[] {
  return partition.map((indices) => {
    const counts = new Map<number, number>();
    for (const i of indices) {
      const label = labels[i];
      if (label === undefined) throw new RangeError(`index ${i} is outside the ${labels.length} labels`);
      counts.set(label, (counts.get(label) ?? 0) + 1);
    }
    return counts;
  });
}

function indicesByClass(labels: ArrayLike<number>): Map<number, number[]> {
  const byClass = new Map<number, number[]>();
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i] as number;
    if (!Number.isInteger(label)) throw new Error(`label at index ${i} is ${label}; class labels must be integers`);
    const list = byClass.get(label) ?? [];
    list.push(i);
    byClass.set(label, list);
  }
  return byClass;
}

function assertCount(value: number, name: string, min: number): void {
  if (!Number.isSafeInteger(value) || value < min) throw new Error(`${name} must be an integer ≥ ${min}; got ${value}`);
}
