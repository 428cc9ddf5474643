import { afterEach, describe, expect, it } from 'vitest';
import { ClassFactory, ClassType, UnknownAlgorithmError } from './class-factory.js';

const TEST_TYPE = 'class_factory_test';

class Doubler {
  readonly factor: number;
  constructor(param: Readonly<Record<string, unknown>>) {
    this.factor = Number(param['factor'] ?? 2);
  }
}

afterEach(() => {
  for (const name of ClassFactory.list(TEST_TYPE)) ClassFactory.unregister(TEST_TYPE, name);
});

describe('ClassFactory', () => {
  it('keeps the original type strings', () => {
    expect(ClassType.HEM).toBe('hard_example_mining');
    expect(ClassType.FL_AGG).toBe('aggregation');
    expect(ClassType.CALLBACK).toBe('post_process_callback');
    expect(ClassType.UTD).toBe('unseen_task_detect');
    expect(ClassType.KM).toBe('knowledge_management');
    expect(ClassType.STP).toBe('seen_task_processing');
    expect(ClassType.MTL).toBe('multi_task_learening');
  });

  it('registers by plain call, under an alias or the class name', () => {
    expect(ClassFactory.register(TEST_TYPE, 'Twice')(Doubler)).toBe(Doubler);
    ClassFactory.register(TEST_TYPE)(Doubler);
    expect(ClassFactory.getCls(TEST_TYPE, 'Twice')).toBe(Doubler);
    expect(ClassFactory.getCls(TEST_TYPE, 'Doubler')).toBe(Doubler);
    expect(ClassFactory.isRegistered(TEST_TYPE)).toBe(true);
    expect(ClassFactory.isRegistered(TEST_TYPE, 'Twice')).toBe(true);
    expect(ClassFactory.isRegistered(TEST_TYPE, 'Thrice')).toBe(false);
    expect(ClassFactory.list(TEST_TYPE)).toEqual(['Doubler', 'Twice']);
  });

  it('registers plain functions too (callbacks)', () => {
    const callback = (value: number): number => value + 1;
    ClassFactory.registerCls(callback, TEST_TYPE, 'inc');
    expect(ClassFactory.getCls(TEST_TYPE, 'inc')).toBe(callback);
  });

  it('lists the known aliases when a name is unknown', () => {
    ClassFactory.register(TEST_TYPE, 'Twice')(Doubler);
    expect(() => ClassFactory.getCls(TEST_TYPE, 'Thrice')).toThrow(UnknownAlgorithmError);
    expect(() => ClassFactory.getCls(TEST_TYPE, 'Thrice')).toThrow(/no "Thrice" registered as class_factory_test \(known: Twice\)/);
    expect(() => ClassFactory.getCls('nothing_here', 'X')).toThrow(/none are registered/);
  });

  it('refuses a different class under a taken name, accepts the same one again', () => {
    ClassFactory.register(TEST_TYPE, 'Twice')(Doubler);
    ClassFactory.register(TEST_TYPE, 'Twice')(Doubler);
    class Other {}
    expect(() => ClassFactory.register(TEST_TYPE, 'Twice')(Other)).toThrow(/already registered/);
  });

  it('instantiates from a method dict, with param as an object or JSON text', () => {
    ClassFactory.register(TEST_TYPE, 'Twice')(Doubler);
    expect(ClassFactory.createFromSpec<Doubler>(TEST_TYPE, { method: 'Twice', param: { factor: '3' } }).factor).toBe(3);
    expect(ClassFactory.createFromSpec<Doubler>(TEST_TYPE, { method: 'Twice', param: '{"factor": 4}' }).factor).toBe(4);
    expect(ClassFactory.createFromSpec<Doubler>(TEST_TYPE, { method: 'Twice' }).factor).toBe(2);
    expect(() => ClassFactory.createFromSpec(TEST_TYPE, { method: 'Twice', param: '{oops' })).toThrow(/"Twice": param is not valid JSON/);
  });
});
