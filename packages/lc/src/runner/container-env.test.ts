import { describe, expect, it } from 'vitest';
import { ContainerConfigError, containerEnv, expandReferences, inheritedEnv } from './container-env.js';
import type { RunnablePod } from './pod-ref.js';

const addresses = { hostIP: '192.0.2.1', podIP: '192.0.2.2' };
function pod(env: NonNullable<RunnablePod['spec']['containers'][0]['env']>): RunnablePod {
  return {
    metadata: { name: 'p', namespace: 'ns', uid: 'u-1', annotations: { note: 'hi' } },
    spec: { nodeName: 'n1', containers: [{ name: 'c', command: ['x'], env }] },
  };
}

describe('expandReferences', () => {
  const vars = new Map([['A', 'one'], ['B', '$(A)']]);
  it('replaces known references and keeps unknown ones', () => {
    expect(expandReferences('$(A)-$(C)', vars)).toBe('one-$(C)');
  });
  it('treats $$ as an escaped dollar and leaves other dollars alone', () => {
    expect(expandReferences('$$(A) $$ $x $', vars)).toBe('$(A) $ $x $');
  });
  it('does not expand recursively and keeps an unclosed reference', () => {
    expect(expandReferences('$(B) $(A', vars)).toBe('$(A) $(A');
  });
});

describe('containerEnv', () => {
  it('inherits only the basics from the LC and lets the pod win', () => {
    expect(inheritedEnv({ PATH: '/bin', HOME: '/h', LC_ALL: 'C', SECRET: 's', NODE_OPTIONS: '--x' })).toEqual({ PATH: '/bin', HOME: '/h', LC_ALL: 'C' });
    const withPath = pod([{ name: 'PATH', value: '/opt/bin' }]);
    const { env } = containerEnv(withPath, withPath.spec.containers[0]!, addresses, { PATH: '/bin', TOKEN: 't' });
    expect(env).toEqual({ PATH: '/opt/bin', HOSTNAME: 'p' });
  });
  it('resolves fieldRef paths and expands earlier variables only', () => {
    const p = pod([
      { name: 'LATER_REF', value: '$(NODE)' },
      { name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
      { name: 'HOST', valueFrom: { fieldRef: { fieldPath: 'status.hostIP' } } },
      { name: 'NOTE', valueFrom: { fieldRef: { fieldPath: "metadata.annotations['note']" } } },
      { name: 'BOTH', value: '$(NODE)/$(HOST)' },
    ]);
    const { env } = containerEnv(p, p.spec.containers[0]!, addresses, {});
    expect(env).toMatchObject({ LATER_REF: '$(NODE)', NODE: 'n1', HOST: '192.0.2.1', NOTE: 'hi', BOTH: 'n1/192.0.2.1' });
  });
  it('refuses valueFrom it cannot resolve, naming the variable', () => {
    const unsupportedPath = pod([{ name: 'X', valueFrom: { fieldRef: { fieldPath: 'spec.serviceAccountName' } } }]);
    expect(() => containerEnv(unsupportedPath, unsupportedPath.spec.containers[0]!, addresses, {})).toThrow(
      /env\[0\] \(X\): valueFrom.fieldRef.fieldPath "spec.serviceAccountName" is not supported/,
    );
    const configMap = pod([{ name: 'Y', valueFrom: { configMapKeyRef: { name: 'm', key: 'k' } } }]);
    expect(() => containerEnv(configMap, configMap.spec.containers[0]!, addresses, {})).toThrow(ContainerConfigError);
  });
});
