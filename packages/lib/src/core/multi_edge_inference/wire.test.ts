import { describe, expect, it } from 'vitest';
import { brokerFromEnv } from './broker.js';
import { bestMatch, l2normalize, matchThresholdFromEnv, meanFeature } from './features.js';
import { pluginEndpoint } from './plugins.js';
import { ServiceQueue } from './service.js';
import { cropAttachment, cropsOf, decodeMessage, encodeMessage, featuresOf, wireSize, withFeatures, WireError, type DetTrackMessage } from './wire.js';

function message(): DetTrackMessage {
  const crop = cropAttachment('crop-0', { width: 2, height: 3, rgb: new Uint8Array(18).fill(7) });
  return {
    header: { camera: 'cam-a', frame_index: 4, detection_time: new Date(0).toISOString(), bbox_coord: [[1, 2, 3, 5]], confidence: [0.9], tracklets: [3], attachments: [crop.info] },
    attachments: [crop.bytes],
  };
}

describe('wire format', () => {
  it('round-trips header, crops and features', () => {
    expect(wireSize(message())).toBe(encodeMessage(message()).length);
    const decoded = decodeMessage(encodeMessage(message()));
    expect(decoded.header.camera).toBe('cam-a');
    expect(cropsOf(decoded)[0]).toMatchObject({ width: 2, height: 3 });
    expect([...cropsOf(decoded)[0]!.rgb]).toEqual(new Array(18).fill(7));
    const enriched = decodeMessage(encodeMessage(withFeatures(decoded, [new Float32Array([0.6, 0.8])], 2)));
    const f = featuresOf(enriched)!;
    expect(f.dim).toBe(2);
    expect([...f.rows[0]!].map((v) => Math.round(v * 10) / 10)).toEqual([0.6, 0.8]);
    expect(enriched.header.bbox_coord).toEqual([[1, 2, 3, 5]]);
  });

  it('rejects malformed bodies with the reason', () => {
    expect(() => decodeMessage(new Uint8Array([0, 0]))).toThrow(/too short/);
    const bad = Buffer.concat([Buffer.from([0, 0, 0, 3]), Buffer.from('{x}')]);
    expect(() => decodeMessage(bad)).toThrow(WireError);
    expect(() => decodeMessage(bad)).toThrow(/not JSON/);
    const truncated = encodeMessage(message()).subarray(0, -4);
    expect(() => decodeMessage(truncated)).toThrow(/runs past the end/);
    const m = message();
    (m.header as unknown as Record<string, unknown>)['confidence'] = [];
    const json = Buffer.from(JSON.stringify(m.header));
    const len = Buffer.alloc(4);
    len.writeUInt32BE(json.length);
    expect(() => decodeMessage(Buffer.concat([len, json, m.attachments[0]!]))).toThrow(/confidence must have one value per box/);
  });
});

describe('features and matching', () => {
  it('normalises and matches by cosine with a threshold', () => {
    const a = l2normalize(new Float32Array([3, 4]));
    expect(Math.hypot(a[0]!, a[1]!)).toBeCloseTo(1);
    const c = [l2normalize(new Float32Array([1, 0])), l2normalize(new Float32Array([0.6, 0.8]))];
    expect(bestMatch(a, c, 0.9)).toMatchObject({ index: 1 });
    expect(bestMatch(l2normalize(new Float32Array([-1, 0])), c, 0.5).index).toBe(-1);
    expect(meanFeature(c).length).toBe(2);
  });

  it('accepts match_thresh and match_threshold', () => {
    expect(matchThresholdFromEnv({ match_thresh: '0.35' })).toBe(0.35);
    expect(matchThresholdFromEnv({ match_threshold: '0.4' })).toBe(0.4);
    expect(matchThresholdFromEnv({})).toBe(0.75);
    expect(() => matchThresholdFromEnv({ match_thresh: 'high' })).toThrow(/match_thresh must be a number/);
    expect(() => matchThresholdFromEnv({ match_thresh: '0.3', match_threshold: '0.4' })).toThrow(/disagree/);
  });
});

describe('environment', () => {
  it('maps the KAFKA_* variables to NATS servers and says so', () => {
    const said: string[] = [];
    expect(brokerFromEnv({ KAFKA_ENABLED: 'true', KAFKA_BIND_IPS: '10.0.0.1|kafka-service', KAFKA_BIND_PORTS: '9092|9093' }, (m) => said.push(m))).toEqual({ kind: 'nats', servers: ['nats://10.0.0.1:9092', 'nats://kafka-service:9093'], source: 'KAFKA_*' });
    expect(said[0]).toMatch(/KAFKA_BIND_IPS\/KAFKA_BIND_PORTS mapped/);
    expect(brokerFromEnv({ BROKER_URL: 'nats://127.0.0.1:4222' })?.servers).toEqual(['nats://127.0.0.1:4222']);
    expect(brokerFromEnv({})).toBeUndefined();
    expect(() => brokerFromEnv({ KAFKA_ENABLED: 'true' })).toThrow(/KAFKA_BIND_IPS is empty/);
    expect(() => brokerFromEnv({ BROKER_URL: 'kafka://x:1' })).toThrow(/BROKER_URL must be nats/);
  });

  it('resolves plugins by name with the original defaults', () => {
    expect(pluginEndpoint('Feature_Extraction_I', {}).url).toBe('http://feature-extraction-fe:6000');
    expect(pluginEndpoint('ReID_Server', { REID_MODEL_BIND_PORT: '31000' })).toMatchObject({ host: '0.0.0.0', port: 31000, server: true, service: 'reid' });
    expect(pluginEndpoint('VideoAnalytics_I', { DET_MODEL_BIND_URL: '127.0.0.1' }).url).toBe('http://127.0.0.1:4000');
    // The services' names name the broker's subjects: the GM gives the peers' (any name works), else the samples'.
    expect(pluginEndpoint('Feature_Extraction_I', {}).name).toBe('feature-extraction');
    expect(pluginEndpoint('Feature_Extraction_I', { FE_SERVICE_NAME: 'my-fe' }).name).toBe('my-fe');
    expect(pluginEndpoint('Feature_Extraction', { SERVICE_NAME: 'my-fe' }).name).toBe('my-fe');
    expect(pluginEndpoint('ReID_I', { REID_SERVICE_NAME: 'search' }).name).toBe('search');
    expect(pluginEndpoint('ReID_Server', { JOB_NAME: 'search' }).name).toBe('search');
    expect(() => pluginEndpoint('Nope', {})).toThrow(/unknown plugin/);
    expect(() => pluginEndpoint('ReIDManager', {})).toThrow(/not implemented/);
  });
});

describe('service queue', () => {
  it('batches, and drops and counts what does not fit', async () => {
    const batches: number[][] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const q = new ServiceQueue<number>({ batchSize: 2, maxQueue: 3, timeoutMs: 5, process: async (b) => { await gate; batches.push(b); } });
    const accepted = [1, 2, 3, 4, 5, 6].map((i) => q.put(i));
    release();
    await q.drain();
    expect(accepted.filter((a) => !a).length).toBe(q.stats.dropped);
    expect(q.stats.dropped).toBeGreaterThan(0);
    expect(batches.flat().length + q.stats.dropped).toBe(6);
    expect(batches[0]!.length).toBe(2);
  });

  it('keeps up to `concurrency` batches in flight, and drains them all', async () => {
    let inFlight = 0;
    let most = 0;
    const releases: (() => void)[] = [];
    const done: number[] = [];
    const q = new ServiceQueue<number>({ batchSize: 1, maxQueue: 10, concurrency: 3, process: async ([n]) => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise<void>((r) => releases.push(r));
      inFlight--;
      done.push(n!);
    } });
    for (let i = 0; i < 5; i++) q.put(i);
    expect(inFlight).toBe(3);
    const drained = q.drain();
    while (done.length < 5) {
      releases.shift()?.();
      await new Promise((r) => setImmediate(r));
    }
    await drained;
    expect(most).toBe(3);
    expect(done.sort()).toEqual([0, 1, 2, 3, 4]);
    expect(() => new ServiceQueue<number>({ concurrency: 0, process: async () => undefined })).toThrow('concurrency must be a positive integer');
  });
});
