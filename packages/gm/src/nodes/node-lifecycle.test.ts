import { afterEach, describe, expect, it, vi } from 'vitest';
import type { KubeClient } from '../runtime/client.js';
import { NodeLifecycle } from './node-lifecycle.js';

/** A client that records the Lease renewals and, once `slow`, leaves them unanswered until released. */
function leaseClient() {
  const leases: string[] = [];
  const pending: (() => void)[] = [];
  const state = { slow: false };
  const client = {
    get: async () => ({ metadata: { name: 'edge-1', labels: {} } }),
    mergePatch: async (kind: string, _ns: string, name: string) => {
      if (kind !== 'Lease') return {};
      leases.push(name);
      if (state.slow) await new Promise<void>((resolve) => pending.push(resolve));
      return {};
    },
    create: async () => ({ metadata: {} }),
    request: async () => ({}),
  } as unknown as KubeClient;
  return { client, leases, state, release: () => pending.splice(0).forEach((r) => r()) };
}

describe('NodeLifecycle heartbeats', () => {
  afterEach(() => vi.restoreAllMocks());

  it('renews a Lease once at a time per node: a slow API server does not pile renewals up in the GM', async () => {
    const { client, leases, state, release } = leaseClient();
    const lifecycle = new NodeLifecycle(client, () => undefined);
    let now = 1_000_000;
    vi.spyOn(Date, 'now').mockImplementation(() => now);
    await lifecycle.onHello({ name: 'edge-1', version: 'test' } as never);
    expect(leases).toEqual(['edge-1']);
    state.slow = true;
    // Heartbeats every 5 s for a minute while the API server answers none of the renewals.
    for (let i = 0; i < 12; i++) {
      now += 5_000;
      lifecycle.onHeartbeat('edge-1');
    }
    expect(leases).toHaveLength(2);
    release();
    await vi.waitFor(() => {
      now += 10_000;
      lifecycle.onHeartbeat('edge-1');
      expect(leases).toHaveLength(3);
    });
  });
});
