import { describe, expect, it } from 'vitest';
import { aggregatorSettingsFromEnv, trainerSettingsFromEnv } from './settings.js';

describe('aggregator settings', () => {
  it('come from the injected env and the job YAML env, with the original defaults', () => {
    const settings = aggregatorSettingsFromEnv({
      AGG_BIND_PORT: '7363',
      PARTICIPANTS_COUNT: '3',
      MODEL_URL: '/models/global/',
      exit_round: '10',
      aggregation_algorithm: 'FedProx',
      aggregation_parameters: '[{"key": "proximal_mu", "value": "0.01"}]',
      MIN_CLIENTS: '2',
      round_timeout_seconds: '30',
      JOB_NAME: 'fl',
      WORKER_NAME: 'aggworker-x',
    });
    expect(settings).toMatchObject({
      aggregation: { method: 'FedProx', param: { proximal_mu: '0.01' } },
      participantsCount: 3,
      exitRound: 10,
      minClients: 2,
      roundTimeoutMs: 30_000,
      bindHost: '127.0.0.1',
      bindPort: 7363,
      modelUrl: '/models/global/',
      checkpointUrl: '/models/global.fl-checkpoint',
      pretrainedModelUrl: undefined,
      transmitter: 'ws',
      jobName: 'fl',
      workerName: 'aggworker-x',
    });
    expect(aggregatorSettingsFromEnv({})).toMatchObject({ aggregation: { method: 'FedAvg', param: {} }, exitRound: 1, minClients: 1, participantsCount: 1, checkpointUrl: undefined });
    expect(aggregatorSettingsFromEnv({ aggregation_parameters: '{"eta": 0.05}' }).aggregation.param).toEqual({ eta: 0.05 });
    expect(aggregatorSettingsFromEnv({ client_choose: 'FractionClientChoose', client_choose_parameters: '{"fraction_fit": "0.1"}', broadcast_compression: 'Float16' })).toMatchObject({
      clientChoose: { method: 'FractionClientChoose', param: { fraction_fit: '0.1' } },
      broadcastCompression: { method: 'Float16', param: {} },
    });
  });

  it('name the variable that is wrong', () => {
    expect(() => aggregatorSettingsFromEnv({ exit_round: 'ten' })).toThrow(/environment variable exit_round/);
    expect(() => aggregatorSettingsFromEnv({ PARTICIPANTS_COUNT: '2', min_clients: '3' })).toThrow(/min_clients \(3\) exceeds PARTICIPANTS_COUNT \(2\)/);
    expect(() => aggregatorSettingsFromEnv({ round_timeout_seconds: '0' })).toThrow(/environment variable round_timeout_seconds/);
    expect(() => aggregatorSettingsFromEnv({ aggregation_parameters: '{oops' })).toThrow(/environment variable aggregation_parameters/);
  });
});

describe('trainer settings', () => {
  it("build the original's aggregator URI and read the local training settings", () => {
    const settings = trainerSettingsFromEnv({ AGG_IP: 'fl-aggregation.default', AGG_PORT: '7363', WORKER_NAME: 'trainworker-1', epochs: '2', batch_size: '64', compression: 'TopK', compression_parameters: '{"ratio": "0.1"}' });
    expect(settings).toMatchObject({
      aggregatorUrl: 'ws://fl-aggregation.default:7363/FedAvg',
      workerName: 'trainworker-1',
      epochs: 2,
      batchSize: 64,
      learningRate: undefined,
      compression: { method: 'TopK', param: { ratio: '0.1' } },
      connectTimeoutMs: 300_000,
    });
    expect(trainerSettingsFromEnv({ WORKER_NAME: 'w', AGG_IP: '::1', aggregation_algorithm: 'FedAdam' }).aggregatorUrl).toBe('ws://[::1]:7363/FedAdam');
    expect(() => trainerSettingsFromEnv({})).toThrow(/WORKER_NAME must be set/);
    expect(() => trainerSettingsFromEnv({ WORKER_NAME: 'w', batch_size: '0' })).toThrow(/environment variable batch_size/);
  });
});
