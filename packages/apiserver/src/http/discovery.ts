/** Discovery documents: what kubectl and client libraries read to learn which resources the server has. */
import { createHash } from 'node:crypto';
import { apiVersionOf, KINDS, type KindDefinition, SEDNA_GROUP, SEDNA_VERSION } from '@sedna/api';

export const SERVER_VERSION = { major: '1', minor: '35', gitVersion: 'v1.35.0-sedna.0.1.0' };

export function versionInfo(): Record<string, string> {
  return {
    major: SERVER_VERSION.major,
    minor: SERVER_VERSION.minor,
    gitVersion: SERVER_VERSION.gitVersion,
    gitCommit: '',
    gitTreeState: 'clean',
    buildDate: '2026-11-22T00:00:00Z',
    goVersion: `node${process.versions.node}`,
    compiler: 'tsc',
    platform: `${process.platform}/${process.arch === 'x64' ? 'amd64' : process.arch}`,
  };
}

const VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

function storageVersionHash(def: KindDefinition): string {
  return createHash('sha256').update(`${def.group}/${def.version}/${def.kind}`).digest('base64').slice(0, 11);
}

export function apiResourceList(group: string, version: string): Record<string, unknown> {
  const resources: Record<string, unknown>[] = [];
  for (const def of KINDS.filter((k) => k.group === group && k.version === version)) {
    resources.push({
      name: def.plural,
      singularName: def.singular,
      namespaced: def.namespaced,
      kind: def.kind,
      verbs: def.kind === 'SelfSubjectAccessReview' || def.kind === 'SelfSubjectReview' ? ['create'] : VERBS,
      ...(def.shortNames.length ? { shortNames: def.shortNames } : {}),
      ...(def.categories.length ? { categories: def.categories } : {}),
      storageVersionHash: storageVersionHash(def),
    });
    if (def.statusSubresource) resources.push({ name: `${def.plural}/status`, singularName: '', namespaced: def.namespaced, kind: def.kind, verbs: ['get', 'patch', 'update'] });
    if (def.kind === 'Pod') resources.push({ name: 'pods/log', singularName: '', namespaced: true, kind: 'Pod', verbs: ['get'] });
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: group === '' ? version : `${group}/${version}`, resources };
}

/** Every named API group the server serves (one version each), Sedna's first. */
function groups(): Record<string, unknown>[] {
  const names = [...new Set(KINDS.filter((k) => k.group !== '').map((k) => k.group))].sort((a, b) => (a === SEDNA_GROUP ? -1 : b === SEDNA_GROUP ? 1 : a.localeCompare(b)));
  return names.map((name) => {
    const version = name === SEDNA_GROUP ? SEDNA_VERSION : KINDS.find((k) => k.group === name)!.version;
    const gv = { groupVersion: `${name}/${version}`, version };
    return { name, versions: [gv], preferredVersion: gv };
  });
}

export function apiVersions(serverAddress: string): Record<string, unknown> {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }] };
}

export function apiGroupList(): Record<string, unknown> {
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: groups() };
}

export function apiGroup(group: string): Record<string, unknown> | undefined {
  const found = groups().find((g) => g['name'] === group);
  return found ? { kind: 'APIGroup', apiVersion: 'v1', ...found } : undefined;
}

export { apiVersionOf };
