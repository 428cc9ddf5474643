import type { Container, EnvVar } from '@sedna/api';
import type { RunnablePod } from './pod-ref.js';

/** The pod cannot be started as written: retrying will not help until the spec changes. */
export class ContainerConfigError extends Error {
  override readonly name = 'ContainerConfigError';
}

/** Addresses the node gives its pods (embedded pods share the node's network). */
export interface PodAddresses {
  hostIP: string;
  podIP: string;
}

/**
 * Variables a worker inherits from the local controller. Only the basics a program needs to find tools and
 * behave (search path, home, user, locale, time zone, temp dir): anything else in the LC's environment (its own
 * configuration, tokens, NODE_OPTIONS of a test runner...) is not the worker's business. What the pod declares
 * comes on top and wins.
 */
const INHERITED = ['PATH', 'HOME', 'USER', 'LOGNAME', 'SHELL', 'LANG', 'LANGUAGE', 'TZ', 'TMPDIR'];
const INHERITED_PREFIX = 'LC_';

export function inheritedEnv(from: NodeJS.ProcessEnv): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(from)) {
    if (value === undefined) continue;
    if (INHERITED.includes(name) || name.startsWith(INHERITED_PREFIX)) env[name] = value;
  }
  return env;
}

/**
 * The environment of the pod's container: inherited basics, `HOSTNAME` set to the pod name (as a kubelet does),
 * then the container's `env` in order, with `$(VAR)` references expanded against the variables declared before.
 * Throws ContainerConfigError for a `valueFrom` the runner cannot resolve.
 */
export function containerEnv(
  pod: RunnablePod,
  container: Container,
  addresses: PodAddresses,
  parent: NodeJS.ProcessEnv,
): { env: Record<string, string>; declared: Map<string, string> } {
  const declared = new Map<string, string>();
  (container.env ?? []).forEach((envVar, index) => {
    declared.set(envVar.name, envValue(pod, envVar, index, declared, addresses));
  });
  const env: Record<string, string> = { ...inheritedEnv(parent), HOSTNAME: pod.metadata.name };
  for (const [name, value] of declared) env[name] = value;
  return { env, declared };
}

function envValue(pod: RunnablePod, envVar: EnvVar, index: number, earlier: Map<string, string>, addresses: PodAddresses): string {
  const where = `env[${index}] (${envVar.name})`;
  if (envVar.valueFrom === undefined) return expandReferences(envVar.value ?? '', earlier);
  if (envVar.value !== undefined && envVar.value !== '') {
    throw new ContainerConfigError(`${where}: value and valueFrom are mutually exclusive`);
  }
  const sources = Object.keys(envVar.valueFrom);
  if (sources.length !== 1 || sources[0] !== 'fieldRef') {
    throw new ContainerConfigError(
      `${where}: valueFrom.${sources.join('/') || '<empty>'} is not supported by the embedded runner; ` +
        `only valueFrom.fieldRef (${SUPPORTED_FIELDS.join(', ')}, metadata.labels['k'], metadata.annotations['k'])`,
    );
  }
  const fieldRef = envVar.valueFrom.fieldRef as { fieldPath?: unknown } | undefined;
  const fieldPath = fieldRef?.fieldPath;
  if (typeof fieldPath !== 'string' || fieldPath === '') {
    throw new ContainerConfigError(`${where}: valueFrom.fieldRef.fieldPath is required`);
  }
  const value = podField(pod, fieldPath, addresses);
  if (value === undefined) {
    throw new ContainerConfigError(
      `${where}: valueFrom.fieldRef.fieldPath "${fieldPath}" is not supported; use one of ${SUPPORTED_FIELDS.join(', ')}, ` +
        `metadata.labels['k'], metadata.annotations['k']`,
    );
  }
  return value;
}

const SUPPORTED_FIELDS = ['metadata.name', 'metadata.namespace', 'metadata.uid', 'spec.nodeName', 'status.podIP', 'status.hostIP'];
const MAP_FIELD = /^metadata\.(labels|annotations)\['([^']+)'\]$/;

/** Value of a downward-API field path; undefined when the path is not one the runner knows. */
export function podField(pod: RunnablePod, fieldPath: string, addresses: PodAddresses): string | undefined {
  switch (fieldPath) {
    case 'metadata.name':
      return pod.metadata.name;
    case 'metadata.namespace':
      return pod.metadata.namespace;
    case 'metadata.uid':
      return pod.metadata.uid;
    case 'spec.nodeName':
      return pod.spec.nodeName ?? '';
    case 'status.podIP':
      return addresses.podIP;
    case 'status.hostIP':
      return addresses.hostIP;
  }
  const match = MAP_FIELD.exec(fieldPath);
  if (!match) return undefined;
  const map = match[1] === 'labels' ? pod.metadata.labels : pod.metadata.annotations;
  return map?.[match[2] as string] ?? '';
}

/**
 * Kubernetes' `$(VAR)` expansion: a reference to a known variable is replaced, an unknown one is kept as written,
 * and `$$` stands for a literal `$` (so `$$(VAR)` gives `$(VAR)`).
 */
export function expandReferences(input: string, vars: ReadonlyMap<string, string>): string {
  let out = '';
  for (let i = 0; i < input.length; i++) {
    const ch = input[i];
    if (ch !== '$' || i + 1 >= input.length) {
      out += ch;
      continue;
    }
    const next = input[i + 1];
    if (next === '$') {
      out += '$';
      i++;
    } else if (next === '(') {
      const close = input.indexOf(')', i + 2);
      if (close < 0) {
        out += ch;
        continue;
      }
      const name = input.slice(i + 2, close);
      out += vars.has(name) ? vars.get(name) : `$(${name})`;
      i = close;
    } else {
      out += ch;
    }
  }
  return out;
}
