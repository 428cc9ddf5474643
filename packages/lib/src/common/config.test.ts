import { describe, expect, it } from 'vitest';
import { BaseConfig, Context, parseKeyValueList } from './config.js';

describe('BaseConfig', () => {
  it('uses the original defaults for an empty environment', () => {
    const config = new BaseConfig({});
    expect(config.backendType).toBe('TENSORFLOW');
    expect(config.deviceCategory).toBe('CPU');
    expect(config.lcServer).toBe('http://127.0.0.1:9100');
    expect(config.dataPathPrefix).toBe('/home/data');
    expect(config.jobName).toBe('sedna');
    expect(config.namespace).toBe('');
    expect(config.workerName).toBe('');
    expect(config.pretrainedModelUrl).toBe('./');
    expect(config.logLevel).toBe('INFO');
    expect(config.transmitter).toBe('ws');
    expect(config.aggDataPath).toBe('./');
    expect(config.modelHotUpdate).toBe(false);
    expect(config.modelPollPeriodSeconds).toBe(60);
    expect(config.modelUrls).toEqual([]);
    expect(config.modelUrl).toBeUndefined();
    expect(config.aggPort).toBe(7363);
    expect(config.bigModelPort).toBe(5000);
    expect(config.miningMode).toBe('inference-then-mining');
    expect(config.s3EndpointUrl).toBe('');
  });

  it('reads the injected variables', () => {
    const config = new BaseConfig({
      JOB_NAME: 'helmet',
      WORKER_NAME: 'edgeworker-abcde',
      NAMESPACE: 'default',
      LC_SERVER: 'http://10.0.0.2:9100',
      MODEL_URLS: '/m/a.onnx;/m/b.onnx;',
      HEM_NAME: 'IBT',
      MODEL_HOT_UPDATE: 'true',
      MODEL_POLL_PERIOD_SECONDS: '15',
      TRANSMITTER: 's3',
      SECRET_ACCESS_KEY: 'hush',
    });
    expect(config.jobName).toBe('helmet');
    expect(config.workerName).toBe('edgeworker-abcde');
    expect(config.lcServer).toBe('http://10.0.0.2:9100');
    expect(config.modelUrls).toEqual(['/m/a.onnx', '/m/b.onnx']);
    expect(config.hemName).toBe('IBT');
    expect(config.modelHotUpdate).toBe(true);
    expect(config.modelPollPeriodSeconds).toBe(15);
    expect(config.transmitter).toBe('s3');
    expect(config.toJSON()['secretAccessKey']).toBe('***');
  });

  it('forces GPU when CUDA_VISIBLE_DEVICES is set', () => {
    expect(new BaseConfig({ DEVICE_CATEGORY: 'CPU', CUDA_VISIBLE_DEVICES: '0' }).deviceCategory).toBe('GPU');
    expect(new BaseConfig({ DEVICE_CATEGORY: 'CPU', CUDA_VISIBLE_DEVICES: '' }).deviceCategory).toBe('CPU');
  });

  it('treats empty values as unset and poll periods below 1 as the default', () => {
    expect(new BaseConfig({ JOB_NAME: '' }).jobName).toBe('sedna');
    expect(new BaseConfig({ MODEL_POLL_PERIOD_SECONDS: '0' }).modelPollPeriodSeconds).toBe(60);
  });

  it('names the variable that does not parse', () => {
    expect(() => new BaseConfig({ AGG_PORT: 'seven' })).toThrow(/AGG_PORT/);
    expect(() => new BaseConfig({ AGG_PORT: '70000' })).toThrow(/AGG_PORT/);
    expect(() => new BaseConfig({ MODEL_HOT_UPDATE: 'maybe' })).toThrow(/MODEL_HOT_UPDATE/);
    expect(() => new BaseConfig({ TRANSMITTER: 'ftp' })).toThrow(/TRANSMITTER.*ws, s3/);
  });

  it('parses PARAMETERS as a JSON object and refuses what it cannot read', () => {
    expect(new BaseConfig({ PARAMETERS: '{"lr": 0.1}' }).userParameters()).toEqual({ lr: 0.1 });
    expect(new BaseConfig({}).userParameters()).toEqual({});
    expect(() => new BaseConfig({ PARAMETERS: '{bad' }).userParameters()).toThrow(/PARAMETERS: invalid JSON/);
    expect(() => new BaseConfig({ PARAMETERS: 'p.yaml' }).userParameters()).toThrow(/not implemented/);
  });
});

describe('Context.getParameters', () => {
  const context = new Context({ exit_round: '5', PARTICIPANTS_COUNT: '3', EMPTY: '', FLAG: 'yes', RATE: 'fast' });

  it('reads the exact name, then the upper-case name, then the default', () => {
    expect(context.getParameters('exit_round')).toBe('5');
    expect(context.getParameters('participants_count')).toBe('3');
    expect(context.getParameters('missing')).toBeUndefined();
    expect(context.getParameters('missing', 'x')).toBe('x');
    expect(context.getParameters('EMPTY', 'x')).toBe('x');
  });

  it("converts to the default's type", () => {
    expect(context.getParameters('exit_round', 1)).toBe(5);
    expect(context.getParameters('participants_count', 1)).toBe(3);
    expect(context.getParameters('FLAG', false)).toBe(true);
    expect(context.getParameters('missing', 7)).toBe(7);
  });

  it('names the variable when the text does not parse', () => {
    expect(() => context.getParameters('rate', 0.1)).toThrow(/environment variable RATE: expected a finite number, got "fast"/);
    expect(() => context.getParameters('exit_round', true)).toThrow(/exit_round: expected a boolean/);
  });
});

describe('Context.getAlgorithmFromApi', () => {
  it('builds the method dict from HEM_NAME and HEM_PARAMETERS', () => {
    const context = new Context({
      HEM_NAME: 'IBT',
      HEM_PARAMETERS: '[{"key":"threshold_img","value":"0.9"},{"key":"threshold_box","value":"0.9"}]',
    });
    expect(context.getAlgorithmFromApi('HEM')).toEqual({ method: 'IBT', param: { threshold_img: '0.9', threshold_box: '0.9' } });
    expect(context.getAlgorithmFromApi('HEM', { threshold_img: 0.5 })).toEqual({
      method: 'IBT',
      param: { threshold_img: 0.5, threshold_box: '0.9' },
    });
  });

  it('is undefined without a name, and has empty params without parameters', () => {
    expect(new Context({}).getAlgorithmFromApi('HEM')).toBeUndefined();
    expect(new Context({ HEM_NAME: 'EdgeOnly' }).getAlgorithmFromApi('HEM')).toEqual({ method: 'EdgeOnly', param: {} });
  });

  it('names the variable on bad JSON', () => {
    expect(() => new Context({ HEM_NAME: 'IBT', HEM_PARAMETERS: '[{"key":' }).getAlgorithmFromApi('HEM')).toThrow(
      /environment variable HEM_PARAMETERS: invalid JSON/,
    );
    expect(() => new Context({ HEM_NAME: 'IBT', HEM_PARAMETERS: '{"key":"a"}' }).getAlgorithmFromApi('HEM')).toThrow(/HEM_PARAMETERS: expected a JSON list/);
  });

  it('checks each entry of the key/value list', () => {
    expect(parseKeyValueList('[{"key":"a"},{"key":"b","value":2}]', 'x')).toEqual({ a: '', b: 2 });
    expect(() => parseKeyValueList('[{"value":"1"}]', 'x')).toThrow(/entry 0 must be an object with a string "key"/);
    expect(() => parseKeyValueList('[{"key":"a","value":{}}]', 'x')).toThrow(/entry 0 \(key "a"\)/);
  });
});
