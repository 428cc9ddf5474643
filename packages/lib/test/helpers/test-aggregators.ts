/**
 * Test support: a FedAvg aggregation server on a tiny dense model and synthetic data, started on a free port with
 * its checkpoint in a temporary folder, its log lines collected, and everything stopped and removed after the tests.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { MlpEstimator } from '../../src/backend/mlp/estimator.js';
import type { ModelSpec } from '../../src/backend/model-spec.js';
import { syntheticClasses } from '../../src/backend/test-data.js';
import { AggregationServer, type AggregationServerOptions } from '../../src/core/federated_learning/server/aggregation-server.js';

export const TEST_SPEC: ModelSpec = { inputShape: [6], layers: [{ type: 'dense', units: 3 }] };
export const TEST_DATA = syntheticClasses(40, [6], 3, 1, 0.5);

export interface TestAggregators {
  /** The temporary folder (valid inside tests). */
  dir(): string;
  /** The log lines of every server started in the current test. */
  lines: string[];
  start(options?: Partial<AggregationServerOptions>): Promise<{ server: AggregationServer; port: number }>;
}

/** Registers the hooks; call at the top of a test file. */
export function useTestAggregators(prefix: string): TestAggregators {
  let dir = '';
  const lines: string[] = [];
  const servers: AggregationServer[] = [];
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), prefix));
  });
  afterEach(async () => {
    for (const server of servers.splice(0)) await server.stop();
    lines.length = 0;
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  return {
    dir: () => dir,
    lines,
    async start(options = {}) {
      const server = new AggregationServer({
        aggregation: 'FedAvg',
        participantsCount: 1,
        exitRound: 2,
        host: '127.0.0.1',
        port: 0,
        jobName: 'fl-job',
        lingerMs: 0,
        estimator: new MlpEstimator({ spec: TEST_SPEC, seed: 1 }),
        checkpointUrl: join(dir, 'model.fl-checkpoint'),
        log: (line) => void lines.push(line),
        ...options,
      });
      servers.push(server);
      const { port } = await server.start();
      return { server, port };
    },
  };
}
