import { describe, expect, it } from 'vitest';
import type { DownstreamMessage } from '@sedna/api';
import { planResync } from './resync-plan.js';

const message = (kind: string, name: string, operation: DownstreamMessage['header']['operation'] = 'insert'): DownstreamMessage => ({
  header: { namespace: 'default', resourceKind: kind, resourceName: name, operation },
  content: {},
});

describe('planResync', () => {
  it('upserts what the GM sent and removes what it no longer sends', () => {
    const plan = planResync(['dataset/default/a', 'model/default/m', 'dataset/default/gone'], [message('dataset', 'a'), message('model', 'm', 'update'), message('dataset', 'new')]);
    expect(plan.upserts.map((m) => m.header.resourceName)).toEqual(['a', 'm', 'new']);
    expect(plan.removals).toEqual(['dataset/default/gone']);
  });

  it('treats a delete inside a resync as absent', () => {
    const plan = planResync(['dataset/default/a'], [message('dataset', 'a', 'delete')]);
    expect(plan).toEqual({ upserts: [], removals: ['dataset/default/a'] });
  });
});
