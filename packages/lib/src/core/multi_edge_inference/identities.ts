/**
 * Identities across cameras, shared by every replica of a ReID service. Each camera's tracklet (its tracker's id
 * there) gets a global identity once a replica has a few of its features: the identity of another camera whose
 * feature is closest by cosine (at least the match threshold), else a new one. Tracklets of one camera never share
 * an identity (its tracker already told them apart).
 *
 * The gallery (identities with their features and cameras, and which tracklet has which identity) is one document in
 * an `IdentityStore`, written only if nobody wrote it since it was read (compare and set on its revision): replicas
 * that assign at the same moment retry on the newer document, so two of them never give one tracklet two identities
 * nor make two identities of one object. `MemoryIdentityStore` is a single replica's; `NatsIdentityStore` keeps the
 * document in a NATS JetStream key-value bucket on the service's broker, shared by all its replicas.
 */
import { connectBroker } from './nats.js';
import { brokerFromEnv, type BrokerConfig } from './broker.js';
import { cosine, l2normalize, meanFeature } from './features.js';
import type { NatsConnection, KV } from 'nats';

export interface GalleryIdentity {
  id: number;
  cameras: string[];
  /** L2-normalised mean feature of the tracklet that opened it. */
  feature: number[];
}

export interface Gallery {
  identities: GalleryIdentity[];
  /** `<camera>/<track>` to identity. */
  tracklets: Record<string, number>;
  /** The next new identity's id (ids are never reused, also after old identities leave the gallery). */
  nextId?: number;
}

/**
 * The gallery stays one broker message (NATS' default max payload is 1 MiB): the oldest identities and tracklet
 * assignments leave it past these counts (a tracklet that old has long left the cameras).
 */
export const MAX_GALLERY_IDENTITIES = 1000;
export const MAX_GALLERY_TRACKLETS = 5000;

export interface StoredGallery {
  gallery: Gallery;
  /** The document's revision (0: never written). */
  revision: number;
}

export interface IdentityStore {
  read(): Promise<StoredGallery>;
  /** Writes the gallery if the stored one is still at `revision`; false when another replica wrote first. */
  write(gallery: Gallery, revision: number): Promise<boolean>;
  close(): Promise<void>;
}

const emptyGallery = (): Gallery => ({ identities: [], tracklets: {} });

export class MemoryIdentityStore implements IdentityStore {
  private stored: StoredGallery = { gallery: emptyGallery(), revision: 0 };

  async read(): Promise<StoredGallery> {
    return structuredClone(this.stored);
  }

  async write(gallery: Gallery, revision: number): Promise<boolean> {
    if (revision !== this.stored.revision) return false;
    this.stored = { gallery: structuredClone(gallery), revision: revision + 1 };
    return true;
  }

  async close(): Promise<void> {}
}

/**
 * The JetStream key-value bucket of a service's identities: `sedna_<namespace>_<service>[_<uid>]_identities`. The
 * uid (the first characters of the service object's, SEDNA_OWNER_UID from the GM) keeps a service recreated under
 * the same name from inheriting the identities of the one before.
 */
export function identityBucket(namespace: string, service: string, uid?: string): string {
  return `sedna_${namespace}_${service}${uid ? `_${uid.replace(/-/g, '').slice(0, 12)}` : ''}_identities`.replace(/[^A-Za-z0-9_-]/g, '_');
}

/** A bucket left by a deleted service goes after a day without writes (the gallery of a running one is rewritten with each new tracklet). */
const BUCKET_TTL_MS = 24 * 3600 * 1000;

/**
 * The store of a ReID worker, from its environment: with a broker (BROKER_URL or the original's KAFKA_* variables)
 * the service's bucket there, shared by its replicas; else this process's own memory.
 */
export async function identityStoreFromEnv(env: NodeJS.ProcessEnv = process.env, log: (m: string) => void = () => undefined): Promise<IdentityStore> {
  const broker = brokerFromEnv(env, log);
  if (!broker) {
    log('identities are kept in this worker (no broker): several replicas would each keep their own; give the service a broker (sedna up --broker nats) to share them');
    return new MemoryIdentityStore();
  }
  const bucket = identityBucket(env['NAMESPACE'] ?? 'default', env['SERVICE_NAME'] || env['JOB_NAME'] || 'reid', env['SEDNA_OWNER_UID']);
  log(`identities shared by the replicas in the key-value bucket ${bucket} on ${broker.servers.join(', ')}`);
  return NatsIdentityStore.open(broker, bucket, { log });
}

const KEY = 'gallery';

export class NatsIdentityStore implements IdentityStore {
  private constructor(
    private readonly nc: NatsConnection,
    private readonly kv: KV,
  ) {}

  static async open(broker: BrokerConfig, bucket: string, options: { connectAttempts?: number; log?: (m: string) => void } = {}): Promise<NatsIdentityStore> {
    const nc = await connectBroker(broker, options.connectAttempts, options.log);
    // history 1: only the current gallery is kept; the replicas' compare and set works on its revision.
    const kv = await nc.jetstream().views.kv(bucket, { history: 1, ttl: BUCKET_TTL_MS });
    return new NatsIdentityStore(nc, kv);
  }

  async read(): Promise<StoredGallery> {
    const entry = await this.kv.get(KEY);
    if (!entry || entry.operation !== 'PUT' || entry.value.length === 0) return { gallery: emptyGallery(), revision: 0 };
    return { gallery: JSON.parse(new TextDecoder().decode(entry.value)) as Gallery, revision: entry.revision };
  }

  async write(gallery: Gallery, revision: number): Promise<boolean> {
    const body = new TextEncoder().encode(JSON.stringify(gallery));
    try {
      if (revision === 0) await this.kv.create(KEY, body);
      else await this.kv.update(KEY, body, revision);
      return true;
    } catch (err) {
      // JetStream refuses a write whose expected revision is stale ("wrong last sequence") or a create of a key
      // that exists: another replica wrote first.
      if (/wrong last sequence|key exists/i.test((err as Error).message)) return false;
      throw err;
    }
  }

  async close(): Promise<void> {
    await this.nc.drain();
  }
}

/** Assigns `key`'s tracklet (seen on `camera`, mean feature `mean`) in `gallery`; pure but for mutating it. */
export function assignInGallery(gallery: Gallery, key: string, camera: string, mean: Float32Array, threshold: number): number {
  const known = gallery.tracklets[key];
  if (known !== undefined) return known;
  let best: GalleryIdentity | undefined;
  let score = threshold;
  for (const g of gallery.identities) {
    if (g.cameras.includes(camera)) continue; // same camera: its tracker already separated them
    const s = cosine(mean, Float32Array.from(g.feature));
    if (s >= score) {
      score = s;
      best = g;
    }
  }
  if (!best) {
    const id = gallery.nextId ?? gallery.identities.length + 1;
    gallery.nextId = id + 1;
    best = { id, cameras: [camera], feature: Array.from(l2normalize(mean), (v) => Math.round(v * 1e5) / 1e5) };
    gallery.identities.push(best);
    if (gallery.identities.length > MAX_GALLERY_IDENTITIES) gallery.identities.splice(0, gallery.identities.length - MAX_GALLERY_IDENTITIES);
  } else best.cameras.push(camera);
  gallery.tracklets[key] = best.id;
  const keys = Object.keys(gallery.tracklets);
  for (const old of keys.slice(0, Math.max(0, keys.length - MAX_GALLERY_TRACKLETS))) delete gallery.tracklets[old];
  return best.id;
}

interface LocalTracklet {
  camera: string;
  track: number;
  features: Float32Array[];
  assigning?: Promise<void>;
}

export interface IdentityLine {
  camera: string;
  track: number;
  global: number | undefined;
}

/** Features kept per tracklet: enough for a stable mean, bounded memory. */
const MAX_FEATURES = 20;
/** Compare-and-set attempts before an assignment gives up (replicas racing on one document). */
const MAX_ATTEMPTS = 50;

/**
 * One replica's view: it gathers the features of the tracklets it receives and assigns each, once it has
 * `minFeatures` of them, in the shared gallery. `count` and `lines()` read the gallery as last seen (`refresh()`
 * reads it again), so every replica tells the same identities.
 */
export class SharedIdentities {
  private readonly local = new Map<string, LocalTracklet>();
  private seen: Gallery = emptyGallery();
  /** Assignments one after another: fewer compare-and-set races between this replica's own writes. */
  private chain: Promise<unknown> = Promise.resolve();
  /** Assignments queued or under way. */
  pending = 0;
  /** Writes refused because another replica wrote first (each retried). */
  conflicts = 0;

  constructor(
    private readonly store: IdentityStore,
    private readonly threshold: number,
    private readonly minFeatures = 3,
    private readonly onError: (err: Error) => void = () => undefined,
  ) {}

  /** Identities across the cameras, as last seen. */
  get count(): number {
    return this.seen.identities.length;
  }

  /** Tracklets with an identity in the gallery, as last seen. */
  get assigned(): number {
    return Object.keys(this.seen.tracklets).length;
  }

  /** Tracklets known: those in the gallery and those of this replica still gathering features. */
  get tracklets(): number {
    return new Set([...Object.keys(this.seen.tracklets), ...this.local.keys()]).size;
  }

  /** One box's feature of `camera`'s tracklet `track`; its identity is assigned in the background once it has enough. */
  add(camera: string, track: number, feature: Float32Array): void {
    const key = `${camera}/${track}`;
    const t = this.local.get(key) ?? { camera, track, features: [] };
    if (t.features.length < MAX_FEATURES) t.features.push(feature);
    this.local.set(key, t);
    if (t.features.length >= this.minFeatures) this.assign(key, t);
  }

  /** The identity of a tracklet, as last seen (undefined while unassigned). */
  identityOf(camera: string, track: number): number | undefined {
    return this.seen.tracklets[`${camera}/${track}`];
  }

  /** Waits for the assignments under way. */
  async settled(): Promise<void> {
    await this.chain;
  }

  /** Assigns the short tracklets too (fewer features than needed), from what they have; waits for every assignment. */
  async finish(): Promise<void> {
    for (const [key, t] of this.local) if (t.features.length > 0) this.assign(key, t);
    await this.settled();
  }

  /** Reads the shared gallery again (the other replicas' assignments). */
  async refresh(): Promise<void> {
    this.seen = (await this.store.read()).gallery;
  }

  lines(): IdentityLine[] {
    const out = new Map<string, IdentityLine>();
    for (const [key, global] of Object.entries(this.seen.tracklets)) {
      const cut = key.lastIndexOf('/');
      out.set(key, { camera: key.slice(0, cut), track: Number(key.slice(cut + 1)), global });
    }
    for (const [key, t] of this.local) if (!out.has(key)) out.set(key, { camera: t.camera, track: t.track, global: undefined });
    return [...out.values()];
  }

  private assign(key: string, t: LocalTracklet): void {
    if (t.assigning || this.seen.tracklets[key] !== undefined) return;
    const mean = meanFeature(t.features);
    this.pending++;
    t.assigning = this.chain
      .then(() => this.assignShared(key, t.camera, mean))
      .catch((err: unknown) => {
        t.assigning = undefined; // tried again with its next box
        this.onError(err as Error);
      })
      .finally(() => this.pending--);
    this.chain = t.assigning;
  }

  private async assignShared(key: string, camera: string, mean: Float32Array): Promise<void> {
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const { gallery, revision } = await this.store.read();
      if (gallery.tracklets[key] !== undefined) {
        this.seen = gallery; // another replica assigned it
        return;
      }
      assignInGallery(gallery, key, camera, mean, this.threshold);
      if (await this.store.write(gallery, revision)) {
        this.seen = gallery;
        return;
      }
      this.conflicts++;
    }
    throw new Error(`could not assign the identity of ${key}: the gallery changed under ${MAX_ATTEMPTS} attempts in a row`);
  }
}
