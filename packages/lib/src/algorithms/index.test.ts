import { describe, expect, it } from 'vitest';
import { ClassFactory, ClassType } from '../common/class-factory.js';
import './index.js';

describe('algorithms index', () => {
  it('registers the built-in algorithms on import', () => {
    expect(ClassFactory.list(ClassType.HEM)).toEqual(['CloudOnly', 'CrossEntropy', 'EdgeOnly', 'IBT', 'Random', 'Threshold']);
    expect(ClassFactory.isRegistered(ClassType.FL_AGG, 'FedAvg')).toBe(true);
    expect(ClassFactory.isRegistered(ClassType.FL_AGG, 'MultiKrum')).toBe(true);
    expect(ClassFactory.isRegistered(ClassType.CLIENT_CHOOSE, 'SimpleClientChoose')).toBe(true);
    expect(ClassFactory.isRegistered(ClassType.COMPRESSION, 'Int8Linear')).toBe(true);
  });
});
