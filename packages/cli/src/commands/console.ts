/**
 * `sedna console`: the web console on its own, beside the GM on a cluster (the Helm chart's optional console
 * Deployment) or against any Kubernetes API with a kubeconfig. It serves the built app, multiplexes the page's
 * watches over the API's own watch, passes the page's API requests on with the user's token, and passes chart
 * queries on to a Prometheus when one is given. The kubeconfig (or the pod's in-cluster configuration) gives only
 * where the API is and which CA signed it: the console never uses a credential of its own.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import * as k8s from '@kubernetes/client-node';
import type { Command } from 'commander';
import { parsePrometheusUrl, startConsoleServer, type KubeUpstream } from '@sedna/console';
import { parseListenAddress } from '@sedna/metrics';

/** Where the API is and how to trust it: from a kubeconfig's current cluster, or the pod's service account. */
export function kubeUpstream(kubeconfig: string | undefined): KubeUpstream {
  const kc = new k8s.KubeConfig();
  if (kubeconfig) kc.loadFromFile(kubeconfig);
  else if (process.env['KUBERNETES_SERVICE_HOST']) kc.loadFromCluster();
  else throw new Error('sedna console: give --kubeconfig (or run it in a pod, where the in-cluster configuration is used)');
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error(`sedna console: the kubeconfig ${kubeconfig ?? '(in-cluster)'} has no current cluster`);
  const ca = cluster.caData ? Buffer.from(cluster.caData, 'base64') : cluster.caFile ? readFileSync(cluster.caFile) : undefined;
  return { url: new URL(cluster.server), ...(ca ? { ca } : {}), ...(cluster.skipTLSVerify ? { insecure: true } : {}) };
}

export function registerConsoleCommand(program: Command): void {
  program
    .command('console')
    .description('serve the web console beside the GM: any Kubernetes API (--kubeconfig, else in-cluster), the user\'s own token')
    .option('--kubeconfig <file>', 'the Kubernetes API (only its server and CA are used; default: in-cluster)')
    .option('--listen <host:port>', 'where to serve the console (port 0: any free port)', '127.0.0.1:8080')
    .option('--tls-cert <file>', 'serve HTTPS with this certificate (PEM)')
    .option('--tls-key <file>', 'its key')
    .option('--prometheus-url <url>', 'a Prometheus scraping Sedna\'s components: the console charts its queries')
    .option('--ready-file <file>', 'write {"url": ...} there once serving')
    .action(async (o: { kubeconfig?: string; listen: string; tlsCert?: string; tlsKey?: string; prometheusUrl?: string; readyFile?: string }) => {
      if (!!o.tlsCert !== !!o.tlsKey) throw new Error('sedna console: give --tls-cert and --tls-key together');
      const { host, port } = parseListenAddress(o.listen);
      const server = await startConsoleServer({
        upstream: kubeUpstream(o.kubeconfig),
        host,
        port,
        ...(o.prometheusUrl ? { prometheus: parsePrometheusUrl(o.prometheusUrl) } : {}),
        ...(o.tlsCert && o.tlsKey ? { tls: { cert: readFileSync(o.tlsCert), key: readFileSync(o.tlsKey) } } : {}),
      });
      console.log(`web console ${server.url} (log in with a token the Kubernetes API accepts)`);
      if (o.readyFile) writeFileSync(o.readyFile, JSON.stringify({ url: server.url, pid: process.pid }) + '\n');
      const stop = () => void server.close().then(() => process.exit(0));
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}
