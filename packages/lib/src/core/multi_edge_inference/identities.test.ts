/**
 * Identities shared by several ReID replicas: the gallery's compare and set, in memory and in a NATS JetStream
 * key-value bucket on a real nats-server (started here on a free port), with replicas racing on the same objects.
 */
import { describe, expect, it } from 'vitest';
import { l2normalize } from './features.js';
import { assignInGallery, identityBucket, MemoryIdentityStore, NatsIdentityStore, SharedIdentities, type IdentityStore } from './identities.js';
import { useNatsServer } from '../../../test/helpers/nats-fixture.js';

const nats = useNatsServer('identities');

/** Object `k`'s appearance: a one-hot direction with a little noise, the same on every camera. */
function look(k: number, noise: number, seed: number): Float32Array {
  const v = new Float32Array(16);
  v[k] = 1;
  for (let i = 0; i < v.length; i++) v[i]! += noise * Math.sin(seed * 7.3 + i * 1.7);
  return l2normalize(v);
}

describe('assignInGallery', () => {
  it('links tracklets of other cameras by cosine, never two of one camera, and keeps an assignment', () => {
    const g = { identities: [], tracklets: {} };
    expect(assignInGallery(g, 'a/1', 'a', look(0, 0.05, 1), 0.8)).toBe(1);
    expect(assignInGallery(g, 'a/2', 'a', look(0, 0.05, 2), 0.8)).toBe(2); // same camera: never linked, however alike
    expect(assignInGallery(g, 'a/3', 'a', look(3, 0.05, 2), 0.8)).toBe(3);
    expect(assignInGallery(g, 'b/7', 'b', look(3, 0.05, 3), 0.8)).toBe(3);
    expect(assignInGallery(g, 'b/8', 'b', look(5, 0.05, 4), 0.8)).toBe(4);
    expect(assignInGallery(g, 'b/9', 'b', look(3, 0.05, 5), 0.8)).toBe(5); // identity 3 already has camera b
    expect(assignInGallery(g, 'b/7', 'b', look(5, 0.05, 4), 0.8)).toBe(3); // kept
  });
});

/**
 * Two replicas behind one Service: the boxes of two cameras' tracklets of 6 objects are dealt to them in turn (as the
 * Service spreads messages), so each replica sees half of every tracklet, both at once.
 */
async function twoReplicas(stores: [IdentityStore, IdentityStore]): Promise<{ replicas: SharedIdentities[]; conflicts: number }> {
  const replicas = stores.map((s) => new SharedIdentities(s, 0.8, 2));
  let turn = 0;
  for (let frame = 0; frame < 8; frame++)
    for (let k = 0; k < 6; k++)
      for (const camera of ['cam-a', 'cam-b']) replicas[turn++ % 2]!.add(camera, camera === 'cam-a' ? k : 100 + k, look(k, 0.05, frame * 13 + k + (camera === 'cam-a' ? 0 : 50)));
  await Promise.all(replicas.map((r) => r.finish()));
  await Promise.all(replicas.map((r) => r.refresh()));
  return { replicas, conflicts: replicas.reduce((n, r) => n + r.conflicts, 0) };
}

function expectOneIdentityPerObject(replicas: SharedIdentities[]): void {
  for (const r of replicas) {
    expect(r.count).toBe(6);
    for (let k = 0; k < 6; k++) {
      expect(r.identityOf('cam-a', k)).toBeDefined();
      expect(r.identityOf('cam-b', 100 + k)).toBe(r.identityOf('cam-a', k));
    }
  }
  expect(replicas[0]!.lines()).toEqual(replicas[1]!.lines());
}

describe('SharedIdentities', () => {
  it('a single replica in memory', async () => {
    const store = new MemoryIdentityStore();
    const { replicas } = await twoReplicas([store, store]);
    expectOneIdentityPerObject(replicas);
  });

  it('two replicas racing through a NATS JetStream key-value bucket give every object one identity', async () => {
    const broker = { kind: 'nats' as const, servers: [nats.url], source: 'test' };
    const bucket = identityBucket('default', 'tracking');
    expect(bucket).toBe('sedna_default_tracking_identities');
    const stores = [await NatsIdentityStore.open(broker, bucket), await NatsIdentityStore.open(broker, bucket)] as [IdentityStore, IdentityStore];
    try {
      const { replicas } = await twoReplicas(stores);
      expectOneIdentityPerObject(replicas);
      // A third replica started later reads the same identities.
      const lateStore = await NatsIdentityStore.open(broker, bucket);
      const late = new SharedIdentities(lateStore, 0.8, 2);
      await late.refresh();
      expect(late.lines()).toEqual(replicas[0]!.lines());
      await lateStore.close();
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  });

  it('a stale write is refused, and the replica retries on the newer gallery', async () => {
    const broker = { kind: 'nats' as const, servers: [nats.url], source: 'test' };
    const store = await NatsIdentityStore.open(broker, identityBucket('default', 'stale'));
    try {
      const first = await store.read();
      expect(first.revision).toBe(0);
      expect(await store.write({ identities: [], tracklets: { 'a/1': 1 } }, 0)).toBe(true);
      expect(await store.write({ identities: [], tracklets: { 'a/2': 1 } }, 0)).toBe(false);
      const now = await store.read();
      expect(await store.write({ identities: [], tracklets: { ...now.gallery.tracklets, 'a/2': 2 } }, now.revision)).toBe(true);
      expect(await store.write({ identities: [], tracklets: {} }, now.revision)).toBe(false);
      expect((await store.read()).gallery.tracklets).toEqual({ 'a/1': 1, 'a/2': 2 });
    } finally {
      await store.close();
    }
  });
});
