/**
 * The web console in Firefox: Debian's firefox-esr, driven over WebDriver BiDi by ./firefox-bidi.ts, against `sedna
 * up` (a cloud node and an edge node) serving the console. Log in with the API token (typed key by key), see the
 * overview with both nodes Ready, open a joint inference service's page and see it Running with its workers and drawn as a graph; no
 * console error or uncaught exception on any page. Screenshots firefox-*.png in packages/console/test-output/screenshots.
 * Skipped, saying so, when firefox-esr is not installed.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { up, type UpHandle } from '../../cli/src/commands/up.js';
import { readControlPlaneInfo } from '../../cli/src/paths.js';
import { ensureBuilt, repoRoot, sedna } from '../../cli/test/harness.js';
import { stopControlPlaneAndPods } from '../../cli/test/pod-processes.js';
import { FIREFOX, firefoxMissing, openFirefox, type FirefoxPage } from './firefox-bidi.js';
import { cloudWorker, edgeWorker, killWorkersOf, standInJointInferenceYaml } from './stand-ins.js';

if (firefoxMissing) console.warn(`[console firefox e2e] skipped: no Firefox at ${FIREFOX} (apt-get install firefox-esr, or SEDNA_FIREFOX=<path>)`);

let handle: UpHandle;
let dataDir: string;
let workDir: string;
let consoleUrl: string;
let token: string;
let ff: FirefoxPage;

beforeAll(async () => {
  if (firefoxMissing) return;
  ensureBuilt();
  execFileSync(process.execPath, [join(repoRoot, 'packages/console/scripts/build-web.mjs')], { stdio: 'inherit' });
  dataDir = mkdtempSync(join(tmpdir(), 'sedna-console-firefox-'));
  workDir = mkdtempSync(join(tmpdir(), 'sedna-console-firefox-work-'));
  writeFileSync(join(workDir, 'edge.js'), edgeWorker);
  writeFileSync(join(workDir, 'cloud.js'), cloudWorker);
  // Firefox starts while the control plane does.
  const [started, browser] = await Promise.all([up({ dataDir, edgeNodes: 1, apiPort: 0, hubPort: 0, datasetRoots: [workDir], log: () => undefined }), openFirefox()]);
  handle = started;
  ff = browser;
  consoleUrl = readControlPlaneInfo(dataDir)!.consoleUrl!;
  token = readFileSync(join(dataDir, 'apiserver', 'token'), 'utf8').trim();
}, 300_000);

afterAll(async () => {
  await ff?.close();
  await stopControlPlaneAndPods(dataDir, () => handle?.stop());
  for (const dir of [workDir, dataDir]) if (dir) killWorkersOf(dir);
  for (const dir of [dataDir, workDir]) if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Leaf elements under `[data-testid=<testId>]` whose text is exactly `text`, counted in the page. */
const countText = (testId: string, text: string) =>
  `[...document.querySelectorAll('[data-testid="${testId}"] tbody *')].filter((e) => e.children.length === 0 && e.textContent.trim() === ${JSON.stringify(text)}).length`;
const textOf = (testId: string) => `document.querySelector('[data-testid="${testId}"]')?.textContent ?? null`;

describe.skipIf(firefoxMissing)('the web console in Firefox (WebDriver BiDi)', () => {
  it('logs in, shows the overview with the nodes Ready, and a joint inference service\'s page Running, without page errors', async () => {
    const t0 = Date.now();
    await ff.navigate(consoleUrl);
    await ff.waitFor('the login form', `!!document.querySelector('[data-testid="login-token"]')`);
    await ff.type('login-token', token);
    await ff.click('login-submit');
    await ff.waitFor('edge-node-1 on the overview', `(${textOf('nodes-table')} ?? '').includes('edge-node-1')`);
    await ff.waitFor('both nodes Ready', `${countText('nodes-table', 'Ready')} === 2`);
    await ff.screenshot('firefox-01-overview');
    const loggedIn = Date.now() - t0;

    const apply = await sedna(['apply', '-f', '-', '--data-dir', dataDir], standInJointInferenceYaml('ji-firefox', workDir));
    expect(apply.stderr).toBe('');
    // The service appears on the overview through the console's watch, and its page follows it to Running.
    await ff.click('job-link-ji-firefox');
    await ff.waitFor('the service Running', `${textOf('job-phase')} === 'Running'`, 60_000);
    await ff.waitFor('both workers Running', `${countText('workers-table', 'Running')} === 2`, 60_000);
    // The job drawn as its graph (React Flow, laid out by elkjs): its units inside the graph's frame.
    await ff.waitFor('the job\'s units drawn in its graph', `(() => {
      const frame = document.querySelector('[data-testid="job-graph"]')?.getBoundingClientRect();
      const units = [...document.querySelectorAll('[data-testid="job-graph"] .react-flow__node')].map((n) => n.getBoundingClientRect());
      return !!frame && units.length >= 2 && units.every((u) => u.width > 0 && u.left >= frame.left && u.right <= frame.right && u.top >= frame.top && u.bottom <= frame.bottom);
    })()`);
    await ff.evaluate(`document.querySelector('[data-testid="job-graph"]').scrollIntoView({ block: 'center' })`);
    await ff.screenshot('firefox-02-joint-inference');
    console.log(`[figures] firefox ${ff.version}: logged in with both nodes Ready ${loggedIn} ms after the first navigation; the job page Running ${Date.now() - t0} ms after it`);
    expect(ff.errors).toEqual([]);
  }, 150_000);
});
