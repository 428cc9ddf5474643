/** A kubeconfig file pointing kubectl and client libraries at an API server with a bearer token. */
import { writeFileSync } from 'node:fs';
import { stringify } from 'yaml';

export interface KubeconfigOptions {
  server: string;
  token: string;
  /** PEM of the CA that signed the server certificate. */
  caPem: string;
  contextName?: string;
  namespace?: string;
}

export function kubeconfigYaml({ server, token, caPem, contextName = 'sedna', namespace = 'default' }: KubeconfigOptions): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: contextName, cluster: { server, 'certificate-authority-data': Buffer.from(caPem).toString('base64') } }],
    users: [{ name: `${contextName}-admin`, user: { token } }],
    contexts: [{ name: contextName, context: { cluster: contextName, user: `${contextName}-admin`, namespace } }],
    'current-context': contextName,
    preferences: {},
  });
}

export function writeKubeconfig(path: string, options: KubeconfigOptions): void {
  writeFileSync(path, kubeconfigYaml(options), { mode: 0o600 });
}
