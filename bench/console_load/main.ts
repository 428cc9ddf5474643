/**
 * How fast the web console's first page loads, as a user meets it: the embedded API server serving the built
 * console (`serveConsole`, HTTPS with its own CA), Debian's chromium (playwright-core) already running, opening it
 * in a new tab with its HTTP cache cleared each run (a first visit: nothing cached, no connection open). Figures
 * (medians and IQRs over --runs, default 15):
 * - login_visible_ms: navigation start to the login form on screen (the first page: what "loads in 1 s" means);
 * - login_dcl_ms, login_load_ms: DOMContentLoaded and load of that navigation;
 * - overview_visible_ms: then a logged-in tab opening /console/ (its files now cached) to the nodes table drawn
 *   (its watch answered);
 * - first_page_js_kb, first_page_css_kb, first_page_transfer_kb: what the login page fetched (decoded sizes, and
 *   bytes on the wire after compression).
 *   npm run bench -- console_load [--runs N]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { startApiServer } from '@sedna/apiserver';
import { consoleBuilt, serveConsole } from '@sedna/console';
import { figure, round } from '../common/stats.js';

const CHROMIUM = process.env['SEDNA_CHROMIUM'] ?? '/usr/bin/chromium';
const runsArg = process.argv.indexOf('--runs');
const runs = runsArg >= 0 ? Number(process.argv[runsArg + 1]) : 15;
if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a whole number >= 1, got ${process.argv[runsArg + 1]}`);
const log = (msg: string): void => void process.stderr.write(`[console_load bench] ${msg}\n`);

if (!consoleBuilt()) throw new Error('the web console is not built: npm run build');
const dir = mkdtempSync(join(tmpdir(), 'sedna-bench-console-'));
const api = await startApiServer({ dataDir: dir, port: 0 });
serveConsole(api);
const url = `${api.url}/console/`;
const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--disable-component-update', '--no-first-run'] });

/** Resolves in the page with performance.now() when `selector` is first in the document (observer set before any script). */
const whenShown = (selector: string) => `window.__shown = new Promise((resolve) => {
  const check = () => { if (document.querySelector(${JSON.stringify(selector)})) { resolve(performance.now()); return true; } return false; };
  if (check()) return;
  const observer = new MutationObserver(() => { if (check()) observer.disconnect(); });
  document.addEventListener('readystatechange', () => observer.observe(document.documentElement, { subtree: true, childList: true }), { once: true });
  observer.observe(document, { subtree: true, childList: true });
});`;

const login = { visible: [] as number[], dcl: [] as number[], load: [] as number[] };
const overview: number[] = [];
let sizes = { js: 0, css: 0, transfer: 0 };
try {
  const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 720 } });
  // A tab kept open, as in a browser in use (its renderer and the network service are up).
  const blank = await context.newPage();
  const cdp = await context.newCDPSession(blank);
  for (let i = 0; i < runs; i++) {
    await cdp.send('Network.clearBrowserCache');
    const page = await context.newPage();
    await page.addInitScript(whenShown('[data-testid="login-token"]'));
    await page.goto(url, { waitUntil: 'load' });
    const shown = await page.evaluate<number>('window.__shown');
    const nav = await page.evaluate<{ dcl: number; load: number; js: number; css: number; transfer: number }>(`(() => {
      const n = performance.getEntriesByType('navigation')[0];
      const resources = performance.getEntriesByType('resource');
      const sum = (kind, field) => resources.filter((r) => r.name.endsWith(kind)).reduce((s, r) => s + r[field], 0);
      return { dcl: n.domContentLoadedEventEnd, load: n.loadEventEnd, js: sum('.js', 'decodedBodySize'), css: sum('.css', 'decodedBodySize'), transfer: n.transferSize + resources.reduce((s, r) => s + r.transferSize, 0) };
    })()`);
    login.visible.push(shown);
    login.dcl.push(nav.dcl);
    login.load.push(nav.load);
    sizes = { js: nav.js, css: nav.css, transfer: nav.transfer };
    // A logged-in tab: the token in the tab's session storage, as the login leaves it.
    const logged = await context.newPage();
    await logged.addInitScript(`sessionStorage.setItem('sedna-console-token', ${JSON.stringify(api.token)});`);
    await logged.addInitScript(whenShown('[data-testid="nodes-table"]'));
    await logged.goto(url, { waitUntil: 'load' });
    overview.push(await logged.evaluate<number>('window.__shown'));
    await page.close();
    await logged.close();
    // No connection kept for the next run: each is a first visit.
    await cdp.send('Network.clearBrowserCookies');
    log(`run ${i + 1}/${runs}: login form ${Math.round(shown)} ms (DOMContentLoaded ${Math.round(nav.dcl)}), overview ${Math.round(overview.at(-1)!)} ms`);
  }
  await context.close();
} finally {
  await browser.close();
  await api.close();
  rmSync(dir, { recursive: true, force: true });
}
console.log(
  JSON.stringify({
    ...figure('login_visible_ms', login.visible, 0),
    ...figure('login_dcl_ms', login.dcl, 0),
    ...figure('login_load_ms', login.load, 0),
    ...figure('overview_visible_ms', overview, 0),
    first_page_js_kb: round(sizes.js / 1024, 1),
    first_page_css_kb: round(sizes.css / 1024, 1),
    first_page_transfer_kb: round(sizes.transfer / 1024, 1),
    runs,
  }),
);
