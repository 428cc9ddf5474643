/** What the compatibility tests on `sedna up` share: kubectl against the fixture's control plane. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { kubectlPath } from '../../packages/apiserver/test/harness.js';
import type { SednaUpFixture } from '../common/sedna-up-fixture.js';

/** Runs kubectl with the fixture's kubeconfig; `manifest` goes in as `-f <file>`. Throws with the output on failure. */
export async function kubectl(up: SednaUpFixture, args: string[], manifest?: string): Promise<string> {
  const extra: string[] = [];
  if (manifest !== undefined) {
    const file = join(up.workDir, `manifest-${Date.now()}.yaml`);
    writeFileSync(file, manifest);
    extra.push('-f', file);
  }
  const r = await up.run(kubectlPath(), ['--kubeconfig', up.handle.kubeconfig, ...args, ...extra]);
  if (r.status !== 0) throw new Error(`kubectl ${args.join(' ')}: ${r.out}`);
  return r.out;
}
