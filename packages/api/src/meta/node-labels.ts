/** Labels a local controller puts on its Node, read by the control plane. */

/** The port of the LC's node API (logs, metrics, log search), what the kubelet's port is to Kubernetes. */
export const NODE_API_PORT_LABEL = 'sedna.io/node-api-port';
/** The port of the LC's worker report server (LC_SERVER of the node's workers). */
export const LC_PORT_LABEL = 'sedna.io/lc-port';
