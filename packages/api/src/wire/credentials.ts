/**
 * Node credentials, the rules the CLI, the GM and the LC share (as `kubeadm join` does it):
 * - a bootstrap token `<id>.<secret>` (6 and 16 of [a-z0-9]) lives in the Secret `sedna-bootstrap-token-<id>`
 *   (type sedna.io/bootstrap-token, keys token-id, token-secret, expiration) and is short-lived;
 * - an LC presents it once at `POST <GM>/bootstrap/node` with a certificate request for its node API, and gets a
 *   token of its node alone plus that certificate (signed by the control plane's CA);
 * - the GM keeps only the token's SHA-256, in the Secret `sedna-node-<node>` (type sedna.io/node-credential),
 *   owned by the Node: deleting either revokes the node;
 * - the node API (logs) accepts only clients whose certificate, from the same CA, names the control plane.
 */
export const BOOTSTRAP_PATH = '/bootstrap/node';
export const BOOTSTRAP_TOKEN_PATTERN = /^([a-z0-9]{6})\.([a-z0-9]{16})$/;
export const BOOTSTRAP_TOKEN_SECRET_PREFIX = 'sedna-bootstrap-token-';
export const BOOTSTRAP_TOKEN_SECRET_TYPE = 'sedna.io/bootstrap-token';
export const NODE_CREDENTIAL_SECRET_PREFIX = 'sedna-node-';
export const NODE_CREDENTIAL_SECRET_TYPE = 'sedna.io/node-credential';
/** Label on both kinds of Secret, valued `bootstrap` or `node`: the GM watches only these. */
export const CREDENTIAL_LABEL = 'sedna.io/credential';
/** Common name of the control plane's client certificate, the one identity the node API serves. */
export const CONTROL_PLANE_CLIENT_CN = 'sedna:control-plane';
/** Common name of a node's certificate. */
export function nodeCommonName(node: string): string {
  return `system:node:${node}`;
}

export interface BootstrapRequest {
  nodeName: string;
  /** Addresses the node API is reached at (the certificate's IP names). */
  addresses: string[];
  /** PEM certificate request of the node API's key (made on the node; the key never leaves it). */
  csr: string;
}

export interface BootstrapResponse {
  /** The node's own token for the GM channel. */
  token: string;
  /** PEM certificate of the node API, for serving and as the node's client identity. */
  certificate: string;
  /** PEM CA certificate of the control plane. */
  ca: string;
}
