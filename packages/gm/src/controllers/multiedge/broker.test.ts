import { describe, expect, it } from 'vitest';
import type { PodTemplateSpec } from '@sedna/api';
import { brokerEnv } from './broker.js';
import type { WorkerGroup } from './worker-groups.js';

const group = (kafkaSupport: boolean, env: { name: string; value: string }[] = []): WorkerGroup => ({
  workerType: 'videoanalytics',
  template: { spec: { containers: [{ name: 'w', image: 'x', env }] } } as PodTemplateSpec,
  replicas: 1,
  env: {},
  defaultRole: 'edge',
  kafkaSupport,
});

describe('the broker of kafkaSupport workers', () => {
  it('gives nothing without kafkaSupport', () => {
    expect(brokerEnv(group(false), 'nats://127.0.0.1:4222')).toEqual({ env: {} });
  });

  it("keeps the template's own broker (the original's KAFKA_BIND_IPS, or BROKER_URL)", () => {
    expect(brokerEnv(group(true, [{ name: 'KAFKA_BIND_IPS', value: '10.0.0.1' }]), 'nats://127.0.0.1:4222')).toEqual({ env: { KAFKA_ENABLED: 'true' } });
    expect(brokerEnv(group(true, [{ name: 'BROKER_URL', value: 'nats://10.0.0.1:4222' }]), undefined)).toEqual({ env: { KAFKA_ENABLED: 'true' } });
  });

  it("hands over the control plane's broker when the template names none", () => {
    expect(brokerEnv(group(true, [{ name: 'KAFKA_BIND_IPS', value: '' }]), 'nats://127.0.0.1:4222')).toEqual({ env: { KAFKA_ENABLED: 'true', BROKER_URL: 'nats://127.0.0.1:4222' } });
  });

  it('says what to run when there is no broker at all', () => {
    const r = brokerEnv(group(true), undefined);
    expect('missing' in r && r.missing).toMatch(/sedna up --broker nats.*KAFKA_BIND_IPS and KAFKA_BIND_PORTS/);
  });
});
