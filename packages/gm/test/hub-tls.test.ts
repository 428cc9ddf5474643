import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Cleanup, HubWorld, LcWorld, datasetMessage, tempDir, waitFor } from './hub-fixtures.js';

/** A self-signed certificate for 127.0.0.1, made with the system's openssl. */
function selfSignedCertificate(dir: string): { cert: string; key: string } {
  const certPath = join(dir, 'cert.pem');
  const keyPath = join(dir, 'key.pem');
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', keyPath, '-out', certPath, '-days', '1', '-subj', '/CN=sedna-gm-test', '-addext', 'subjectAltName=IP:127.0.0.1',
  ], { stdio: 'ignore' });
  return { cert: readFileSync(certPath, 'utf8'), key: readFileSync(keyPath, 'utf8') };
}

describe('hub over TLS', () => {
  const cleanup = new Cleanup();
  afterEach(() => cleanup.run());

  it('serves wss:// to an LC that trusts its CA, and not to one that does not', async () => {
    const dir = tempDir(cleanup);
    const tls = selfSignedCertificate(dir);
    const gm = await HubWorld.start(cleanup, { tls });
    gm.put('edge-1', datasetMessage('a'));
    const url = `wss://127.0.0.1:${gm.port}/`;

    const untrusting = LcWorld.start(cleanup, url, join(dir, 'untrusting.db'), undefined, { nodeName: 'edge-2' });
    await waitFor('a TLS failure logged', () => untrusting.logger.find('warn', 'self-signed certificate'));
    expect(untrusting.client.connected).toBe(false);

    const trusting = LcWorld.start(cleanup, url, join(dir, 'trusting.db'), undefined, { ca: tls.cert });
    await waitFor('the resync over TLS', () => trusting.resyncs === 1);
    expect(trusting.names()).toEqual(['a']);
  });
});
